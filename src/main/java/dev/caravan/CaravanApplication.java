package dev.caravan;

import dev.caravan.reload.SwapSafeDirectComponent;
import dev.caravan.smoke.SmokeCommand;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The gateway on its own. Its beans come from {@link CaravanAutoConfiguration}, as in any application embedding
 * Caravan. Caravan migrates its own tables ({@code UsageSchema}); Spring Boot's Flyway, which would look for an
 * application's migrations and refuse a schema that has tables but no history of its own, stays off.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(exclude = FlywayAutoConfiguration.class)
public class CaravanApplication {

    /**
     * The gateway's {@code direct:} hops, safe while hot reload replaces routes (see
     * {@link SwapSafeDirectComponent}). Here, not in {@link CaravanAutoConfiguration}: in the gateway's own
     * application every {@code direct:} endpoint is the gateway's, while an application embedding Caravan keeps
     * its own {@code direct} component.
     */
    @Bean("direct")
    SwapSafeDirectComponent direct() {
        return new SwapSafeDirectComponent();
    }

    /** JVM property sizing the common pool, which also runs CompletableFuture's default async tasks. */
    public static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) {
        // On 1-2 cores the common pool has parallelism 1, and CompletableFuture then starts a new thread
        // for every async task; the JDK HTTP client completes every upstream response that way. Must be
        // set before those classes load, so here, first.
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
        if (args.length > 0 && args[0].equals("smoke")) {
            System.exit(SmokeCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        SpringApplication.run(CaravanApplication.class, args);
    }
}
