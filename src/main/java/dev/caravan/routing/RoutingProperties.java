package dev.caravan.routing;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param aliases public model names mapped to a model name or {@code <provider>/<model>}, e.g.
 *                {@code coder: qwen/qwen-coder-plus}
 */
@ConfigurationProperties("caravan")
record RoutingProperties(@DefaultValue Map<String, String> aliases) {
}
