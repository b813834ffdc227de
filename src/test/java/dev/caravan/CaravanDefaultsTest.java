package dev.caravan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Caravan's defaults in the environment of a Spring Boot application that embeds it, and not in the gateway's. */
class CaravanDefaultsTest {

    @Test
    void anEmbeddingApplicationGetsTheCaravanKeysBelowItsOwnSettings() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("application", Map.of("caravan.port", "9090")));

        new CaravanDefaults(Supplier::get).postProcessEnvironment(environment, new SpringApplication(Object.class));

        assertThat(environment.getProperty("caravan.regions.glm.cn")).isEqualTo("https://open.bigmodel.cn/api/paas/v4");
        // and the price book, below them
        assertThat(environment.getProperty("caravan.prices.groq[openai/gpt-oss-120b].input")).isEqualTo("0.15");
        assertThat(environment.getProperty("caravan.port")).isEqualTo("9090");
        // the gateway's own Camel and Spring settings are not the application's
        assertThat(environment.getProperty("camel.main.stream-caching-enabled")).isNull();
        assertThat(environment.getProperty("spring.datasource.url")).isNull();
    }

    @Test
    void theGatewayWithAnApplicationYamlKeepsTheJarsSettingsItLeavesOutButNotItsAliases() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource(
                "Config resource 'file [application.yaml]' via location 'optional:file:./'", Map.of("caravan.port", "9090",
                        "caravan.aliases.fast", "glm/glm-5.3-flash")));

        new CaravanDefaults(Supplier::get).postProcessEnvironment(environment,
                new SpringApplication(CaravanApplication.class));

        assertThat(environment.getProperty("caravan.port")).isEqualTo("9090");
        // a gateway-wide default the provider template reads, left out of an older file
        assertThat(environment.getProperty("caravan.discovery-interval")).isEqualTo("3600000");
        assertThat(environment.getProperty("caravan.retries")).isEqualTo("2");
        // the shipped alias ("coder") is not brought back
        assertThat(environment.getProperty("caravan.aliases.coder")).isNull();
        assertThat(environment.getProperty("caravan.aliases.fast")).isEqualTo("glm/glm-5.3-flash");
        // the price book is the jar's in both
        assertThat(environment.getProperty("caravan.prices.groq[openai/gpt-oss-120b].input")).isEqualTo("0.15");
    }
}
