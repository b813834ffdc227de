package dev.caravan.usage;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The usage ledger's writer.
 *
 * @param batchSize     records written in one transaction at most
 * @param flushInterval how long a record waits for others to share its batch
 * @param retryInterval while the database is away, how often it is tried again
 * @param spoolDir      where records wait, on disk, while the database is away
 */
@ConfigurationProperties("caravan.ledger")
record LedgerProperties(@DefaultValue("500") int batchSize, @DefaultValue("200ms") Duration flushInterval,
                        @DefaultValue("5s") Duration retryInterval, @DefaultValue("data/ledger-spool") String spoolDir) {
}
