package dev.caravan.reload;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param enabled      whether edits of the route files and the configuration file are applied while running
 * @param interval     how often the files are read for changes
 * @param drainTimeout how long a route being replaced may take to finish the calls in it; requests for it
 *                     wait meanwhile (direct: endpoints wait for their consumer)
 */
@ConfigurationProperties("caravan.reload")
record ReloadProperties(@DefaultValue("true") boolean enabled, @DefaultValue("2s") Duration interval,
                        @DefaultValue("20s") Duration drainTimeout) {
}
