package dev.caravan;

import java.time.Clock;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;

/**
 * Caravan's beans and their {@code caravan.*} properties, for every application that runs Caravan: the gateway
 * itself ({@link CaravanApplication}), a Camel Spring Boot application that has Caravan as a dependency (listed
 * in {@code META-INF/spring/...AutoConfiguration.imports}), and the Spring context {@link CaravanConfiguration}
 * builds inside a Camel Main application. The beans need a {@code DataSource}, {@code JdbcTemplate},
 * {@code CamelContext} and {@code ProducerTemplate} from the application.
 */
@AutoConfiguration
// every package under dev.caravan; not the classes that start a Spring Boot application
@ComponentScan(excludeFilters = @ComponentScan.Filter({SpringBootConfiguration.class, AutoConfiguration.class}))
@ConfigurationPropertiesScan
class CaravanAutoConfiguration {

    /** The time limits count in (days and months of budgets, minutes of rate limits); a test may pin it. */
    @Bean
    @ConditionalOnMissingBean(name = "caravanClock")
    Clock caravanClock() {
        return Clock.systemUTC();
    }
}
