package com.example.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.reload.SwapSafeDirectComponent;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import dev.caravan.testing.Loopback;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.direct.DirectComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Caravan as a dependency of a Camel Spring Boot application ({@link HostApplication}, configured by
 * {@code host.yaml}): its beans come by auto-configuration, its routes from the classpath beside the application's
 * own, its defaults below the application's settings.
 */
class SpringBootHostTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final String KEY = "sk-host-client-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FakeProviders UPSTREAM = new FakeProviders();

    private static ConfigurableApplicationContext host;
    private static Loopback gateway;

    @BeforeAll
    static void startHost() {
        int port = GatewayTest.freePort();
        host = new SpringApplicationBuilder(HostApplication.class).run(
                // the application's own configuration file, not the gateway's application.yaml in the working directory
                "--spring.config.name=host",
                "--caravan.port=" + port,
                "--DEEPSEEK_BASE_URL=" + UPSTREAM.baseUrl("deepseek"),
                "--DEEPSEEK_API_KEY=" + GatewayTest.providerKey("deepseek"),
                // the application's value for a key Caravan's defaults have
                "--caravan.regions.qwen.beijing=" + UPSTREAM.baseUrl("qwen"),
                "--QWEN_API_KEY=" + GatewayTest.providerKey("qwen"));
        gateway = new Loopback(port);
    }

    @AfterAll
    static void stopHost() {
        if (host != null) {
            host.close();
        }
        UPSTREAM.stop();
    }

    @Test
    void servesChatCompletionsFromTheDemoAndFromProviders() throws Exception {
        HttpResponse<String> demo = gateway.send(gateway.post(CHAT, Loopback.chat("demo"), KEY));
        assertThat(demo.statusCode()).as(demo.body()).isEqualTo(200);
        assertThat(json(demo).at("/choices/0/message/content").asText())
                .isEqualTo("Hello from Caravan's demo provider. You said: \"hello\"");

        HttpResponse<String> deepseek = gateway.send(gateway.post(CHAT, Loopback.chat("deepseek-flash"), KEY));
        assertThat(deepseek.statusCode()).as(deepseek.body()).isEqualTo(200);
        assertThat(json(deepseek).at("/choices/0/message/content").asText()).isEqualTo("answer from deepseek");
        assertThat(UPSTREAM.last("deepseek").header("authorization"))
                .isEqualTo("Bearer " + GatewayTest.providerKey("deepseek"));

        // the region URL the application set over Caravan's default
        HttpResponse<String> qwen = gateway.send(gateway.post(CHAT, Loopback.chat("qwen-plus"), KEY));
        assertThat(qwen.statusCode()).as(qwen.body()).isEqualTo(200);
        assertThat(json(qwen).at("/choices/0/message/content").asText()).isEqualTo("answer from qwen");

        HttpResponse<String> streamed = gateway.send(gateway.post(CHAT, Loopback.streamedChat("deepseek-flash"), KEY));
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        assertThat(streamed.body()).contains("\"Hello\"", "\" world\"").endsWith("data: [DONE]\n\n");

        List<HttpResponse<String>> all = List.of(demo, deepseek, qwen, streamed);
        assertThat(LedgerRows.awaitStatuses(host.getBean(JdbcTemplate.class), LedgerRows.requestIds(all)))
                .isEqualTo(LedgerRows.statuses(all));
    }

    @Test
    void theApplicationKeepsItsOwnRoutesSettingsAndSchema() {
        CamelContext camel = host.getBean(CamelContext.class);
        assertThat(camel.getName()).isEqualTo("host");
        // Caravan's application.yaml turns stream caching off for the gateway; not for the application
        assertThat(camel.isStreamCaching()).isTrue();
        assertThat(host.getBean(ProducerTemplate.class).requestBody("direct:greet", "Ada", String.class))
                .isEqualTo("Hello Ada, from the host");
        // the application's direct: is Camel's own: Caravan's swap-safe one serves only the gateway's own application
        assertThat(camel.getComponent("direct")).isExactlyInstanceOf(DirectComponent.class);
        assertThat(host.getBeansOfType(SwapSafeDirectComponent.class)).isEmpty();
        // Caravan uses the application's infrastructure and adds none of its own
        for (Class<?> type : List.of(DataSource.class, JdbcTemplate.class, TransactionTemplate.class,
                ProducerTemplate.class)) {
            String[] names = host.getBeanNamesForType(type);
            assertThat(names).as(type.getName()).hasSize(1);
            assertThat(host.getBeanFactory().getBeanDefinition(names[0]).getResourceDescription())
                    .as(type.getName()).doesNotContain("dev/caravan");
        }
        // a default of Caravan's the application did not set
        assertThat(host.getEnvironment().getProperty("caravan.regions.glm.cn"))
                .isEqualTo("https://open.bigmodel.cn/api/paas/v4");
        // the application's Flyway history and Caravan's, on the one database
        assertThat(host.getBean(JdbcTemplate.class).queryForList(
                "select table_name from information_schema.tables where table_schema = 'public'", String.class))
                .contains("greeting", "flyway_schema_history", "usage_record", "caravan_schema_history");
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }
}
