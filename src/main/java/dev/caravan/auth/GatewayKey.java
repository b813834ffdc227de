package dev.caravan.auth;

import java.util.List;

/** An authenticated caller: the key's name and the models it may use. */
public record GatewayKey(String name, List<String> models) {

    /** Exchange property holding the caller's key once authenticated. */
    public static final String PROPERTY = "caravanKey";

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
}
