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

    private static final String LEAK_DETECTION = "io.netty.leakDetection.level";

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

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("smoke")) {
            System.exit(SmokeCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        // Netty's leak detector records a stack trace for one buffer in 128: about 1 % of a request's CPU on the
        // data path. The tests keep it on; -Dio.netty.leakDetection.level=simple turns it back on here.
        if (System.getProperty(LEAK_DETECTION) == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
        SpringApplication.run(CaravanApplication.class, args);
    }
}
