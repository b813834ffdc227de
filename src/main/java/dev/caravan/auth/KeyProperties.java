package dev.caravan.auth;

import dev.caravan.request.GatewayKey;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Gateway keys.
 *
 * @param apiKey   {@code CARAVAN_API_KEY}: when set, a key named {@code default} allowed every model, without limits
 * @param keys     named keys, each with the models it may use and the limits of its name
 */
@ConfigurationProperties("caravan")
record KeyProperties(String apiKey, @DefaultValue List<Key> keys) {

    /**
     * @param name          who the key belongs to (logged and recorded). Several keys may share a name, to rotate
     *                      keys without downtime; they share its budget and rate limits, so they must agree on them
     * @param key           the key itself, or {@code sha256:<hex>} of it
     * @param models        model names or patterns ({@code *}, {@code deepseek/*}, {@code qwen-*}) the key may use
     * @param expires       when the key stops working (ISO-8601 instant); never when absent
     * @param revoked       a revoked key is refused with a message saying so
     * @param dailyBudget   spend cap per UTC day, in the report currency
     * @param monthlyBudget spend cap per UTC month, in the report currency
     * @param rpm           requests per minute
     * @param tpm           tokens (prompt and completion) per minute
     */
    record Key(String name, String key, @DefaultValue("*") List<String> models, Instant expires, boolean revoked,
               BigDecimal dailyBudget, BigDecimal monthlyBudget, Integer rpm, Long tpm) {

        GatewayKey.Limits limits() {
            return new GatewayKey.Limits(dailyBudget, monthlyBudget, rpm, tpm);
        }
    }
}
