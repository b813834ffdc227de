package dev.caravan.smoke;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The smoke suite.
 *
 * @param required          the checks whose failure fails the run (exit status, {@code passed})
 * @param longContextTokens the size of the long-context check's prompt
 * @param timeout           per call
 */
@ConfigurationProperties("caravan.smoke")
record SmokeProperties(@DefaultValue({"chat", "stream", "tools", "json", "errors"}) List<String> required,
                       @DefaultValue("16000") int longContextTokens, @DefaultValue("120s") Duration timeout) {
}
