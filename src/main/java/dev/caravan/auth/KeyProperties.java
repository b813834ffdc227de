package dev.caravan.auth;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Gateway keys.
 *
 * @param apiKey   {@code CARAVAN_API_KEY}: when set, a key named {@code default} allowed every model
 * @param keys     named keys, each with the models it may use
 */
@ConfigurationProperties("caravan")
record KeyProperties(String apiKey, @DefaultValue List<Key> keys) {

    /**
     * @param name   who the key belongs to (logged and recorded; several keys may share a name)
     * @param key    the key itself, or {@code sha256:<hex>} of it
     * @param models model names or patterns ({@code *}, {@code deepseek/*}, {@code qwen-*}) the key may use
     */
    record Key(String name, String key, @DefaultValue("*") List<String> models) {
    }
}
