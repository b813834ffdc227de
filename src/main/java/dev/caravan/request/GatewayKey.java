package dev.caravan.request;

import java.math.BigDecimal;
import java.util.List;

/** An authenticated caller: the key's name, the models it may use and the limits its name has. */
public record GatewayKey(String name, List<String> models, Limits limits) {


    /** A key allowed every model, without limits. */
    public static GatewayKey unlimited(String name) {
        return new GatewayKey(name, List.of("*"), Limits.NONE);
    }

    /** Whether any of the names a model goes by matches one of the key's patterns. */
    public boolean allows(String... modelNames) {
        for (String pattern : models) {
            for (String model : modelNames) {
                if (matches(pattern, model)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String model) {
        return pattern.endsWith("*") ? model.startsWith(pattern.substring(0, pattern.length() - 1))
                : pattern.equals(model);
    }

    /**
     * What a key name may use; {@code null} is no limit.
     *
     * @param dailyBudget   spend per UTC day, in the report currency
     * @param monthlyBudget spend per UTC month, in the report currency
     * @param rpm           requests per minute
     * @param tpm           prompt and completion tokens per minute
     */
    public record Limits(BigDecimal dailyBudget, BigDecimal monthlyBudget, Integer rpm, Long tpm) {

        public static final Limits NONE = new Limits(null, null, null, null);

        public boolean any() {
            return dailyBudget != null || monthlyBudget != null || rpm != null || tpm != null;
        }
    }
}
