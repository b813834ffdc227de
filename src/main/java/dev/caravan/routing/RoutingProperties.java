package dev.caravan.routing;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param aliases   public model names mapped to a model name or {@code <provider>/<model>}, e.g.
 *                  {@code coder: qwen/qwen-coder-plus}
 * @param fallbacks   a model's fallback chain: the models tried in turn when its provider fails
 * @param longContext a model's long-context model, tried when a prompt is too long for it
 */
@ConfigurationProperties("caravan")
record RoutingProperties(@DefaultValue Map<String, String> aliases, @DefaultValue Map<String, List<String>> fallbacks,
                         @DefaultValue Map<String, String> longContext) {
}
