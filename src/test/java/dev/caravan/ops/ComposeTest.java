package dev.caravan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.GatewayTest;
import java.io.IOException;
import java.io.Reader;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/compose.yaml, Prometheus' scrape configuration and the Grafana dashboard, checked without Docker:
 * they parse, their ports, variables and mounts are the gateway's, and every metric the dashboard plots is
 * one the gateway exposes.
 */
class ComposeTest extends GatewayTest {

    private static final Path DOCKER = Path.of("docker");

    @Test
    @SuppressWarnings("unchecked")
    void composeRunsTheGatewayOnPostgresWithItsConfigurationMounted() throws IOException {
        Map<String, Object> compose = yaml(DOCKER.resolve("compose.yaml"));
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        assertThat(services).containsKeys("caravan", "postgres", "prometheus", "grafana");
        Map<String, Object> caravan = (Map<String, Object>) services.get("caravan");
        assertThat((List<String>) caravan.get("ports")).containsExactly("8080:8080");
        assertThat(Files.readString(DOCKER.resolve("Dockerfile"))).contains("EXPOSE 8080", "CARAVAN_PORT=8080");
        Map<String, String> env = (Map<String, String>) caravan.get("environment");
        assertThat(env.get("CARAVAN_DATABASE_URL")).isEqualTo("jdbc:postgresql://postgres:5432/caravan");
        Map<String, Object> postgres = (Map<String, Object>) services.get("postgres");
        assertThat((Map<String, String>) postgres.get("environment")).containsEntry("POSTGRES_DB", "caravan")
                .containsEntry("POSTGRES_USER", env.get("CARAVAN_DATABASE_USER"));
        // every provider key the preset routes read can be passed in, and no other
        Set<String> providerKeys = new HashSet<>();
        Matcher placeholder = Pattern.compile("\\{\\{([A-Z]+_API_KEY):}}").matcher(
                Files.readString(Path.of("routes/providers.camel.yaml")));
        while (placeholder.find()) {
            if (!placeholder.group(1).equals("MYLLM_API_KEY")) { // the commented example
                providerKeys.add(placeholder.group(1));
            }
        }
        assertThat(env.keySet().stream().filter(name -> name.endsWith("_API_KEY") && !name.startsWith("CARAVAN"))
                .toList()).containsExactlyInAnyOrderElementsOf(providerKeys);
        List<String> volumes = (List<String>) caravan.get("volumes");
        assertThat(volumes).contains("../application.yaml:/app/application.yaml:ro", "../routes:/app/routes:ro",
                "caravan-data:/app/data");
        volumes.stream().filter(v -> v.startsWith(".")).forEach(v ->
                assertThat(DOCKER.resolve(v.substring(0, v.indexOf(':')))).exists());
        assertThat(caravan.get("read_only")).as("only /app/data and /tmp written").isEqualTo(true);

        Map<String, Object> prometheus = (Map<String, Object>) services.get("prometheus");
        assertThat((List<String>) prometheus.get("secrets")).containsExactly("caravan_admin_key");
        Map<String, Object> scrape = ((List<Map<String, Object>>) yaml(DOCKER.resolve("prometheus/prometheus.yml"))
                .get("scrape_configs")).get(0);
        assertThat(scrape.get("metrics_path")).isEqualTo("/metrics");
        assertThat(((Map<String, Object>) scrape.get("authorization")).get("credentials_file"))
                .isEqualTo("/run/secrets/caravan_admin_key");
        assertThat((List<String>) ((List<Map<String, Object>>) scrape.get("static_configs")).get(0).get("targets"))
                .containsExactly("caravan:8080");
        for (String mount : (List<String>) ((Map<String, Object>) services.get("grafana")).get("volumes")) {
            assertThat(DOCKER.resolve(mount.substring(0, mount.indexOf(':')))).exists();
        }
    }

    @Test
    void everyMetricTheDashboardPlotsIsOneTheGatewayExposes() throws Exception {
        // a completion and a stream, one of them by a key with a budget: every family the dashboard plots has a sample
        HttpResponse<String> answered = post("/v1/chat/completions", chat("deepseek-flash"), CAPPED_KEY);
        assertThat(answered.statusCode()).as(answered.body()).isIn(200, 429);
        assertThat(post("/v1/chat/completions", "{\"model\":\"deepseek-flash\",\"stream\":true,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
        Thread.sleep(200); // a stream is metered when it ends
        String scrape = get("/metrics", ADMIN_KEY).body();
        JsonNode dashboard = JSON.readTree(DOCKER.resolve("grafana/dashboards/caravan.json").toFile());
        Set<String> metrics = new HashSet<>();
        // metric names, not labels: followed by a selector, a range or the end of the expression
        Matcher name = Pattern.compile("\\b((?:gen_ai|caravan|resilience4j)_[a-z0-9_]+)(?=[\\[{\"])")
                .matcher(dashboard.toString());
        while (name.find()) {
            metrics.add(name.group(1));
        }
        assertThat(metrics).hasSizeGreaterThan(8);
        assertThat(metrics).allSatisfy(metric -> assertThat(scrape).contains("\n" + metric));
        assertThat(dashboard.path("uid").asText()).isEqualTo("caravan");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            return (Map<String, Object>) new Yaml().load(reader);
        }
    }
}
