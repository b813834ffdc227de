package dev.caravan.deadletter;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** @param dir where dead-letter records are kept, one JSON file each */
@ConfigurationProperties("caravan.dead-letters")
record DeadLetterProperties(@DefaultValue("data/dead-letters") String dir) {
}
