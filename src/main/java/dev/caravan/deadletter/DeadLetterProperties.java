package dev.caravan.deadletter;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param dir      where dead-letter records are kept, one JSON file each
 * @param maxCount records kept at most; the oldest go first
 * @param maxAge   records older than this go
 */
@ConfigurationProperties("caravan.dead-letters")
record DeadLetterProperties(@DefaultValue("data/dead-letters") String dir, @DefaultValue("10000") int maxCount,
                            @DefaultValue("7d") Duration maxAge) {
}
