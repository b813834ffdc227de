package com.example.host;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.CaravanConfiguration;
import dev.caravan.reload.SwapSafeDirectComponent;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import dev.caravan.testing.Loopback;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.direct.DirectComponent;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Caravan in a plain Camel Main application, no Spring application: added in one line, configured by Camel's
 * properties ({@code camel-main-host.properties}, and override properties as command-line arguments would give),
 * its routes from the classpath beside the application's own. Stopping the application drains what is in flight,
 * then writes the usage ledger.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class CamelMainHostTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final String KEY = "sk-host-client-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FakeProviders UPSTREAM = new FakeProviders();

    private static Path data;
    private static String database;
    private static int port;
    private static Main main;
    private static Loopback gateway;

    @BeforeAll
    static void startHost(CapturedOutput output) throws Exception {
        data = Files.createTempDirectory(Path.of("target"), "camel-main-host");
        database = "jdbc:h2:file:" + data.toAbsolutePath().resolve("ledger") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE";
        port = GatewayTest.freePort();
        main = new Main();
        main.setPropertyPlaceholderLocations("classpath:camel-main-host.properties");
        main.configure().addConfiguration(new CaravanConfiguration());
        Map.of("caravan.port", String.valueOf(port),
                // Caravan's own database pool, configured as for the gateway itself
                "spring.datasource.url", database,
                "caravan.ledger.spool-dir", data.resolve("spool").toString(),
                // rows are written only when the application stops: proves the ledger is flushed then
                "caravan.ledger.flush-interval", "1h",
                "caravan.dead-letters.dir", data.resolve("dead-letters").toString(),
                "caravan.retries", "0",
                "DEEPSEEK_BASE_URL", UPSTREAM.baseUrl("deepseek"),
                "DEEPSEEK_API_KEY", GatewayTest.providerKey("deepseek")).forEach(main::addOverrideProperty);
        main.start();
        gateway = new Loopback(port);
        // Camel Main logs the placeholders it resolved at start-up; the provider's key is masked there
        assertThat(output).contains("DEEPSEEK_API_KEY = xxxxxx")
                .doesNotContain(GatewayTest.providerKey("deepseek"));
    }

    @AfterAll
    static void stopHost() {
        if (main != null) {
            main.stop();
        }
        UPSTREAM.stop();
    }

    @Test
    @Order(1)
    void servesChatCompletionsBesideItsOwnRoute() throws Exception {
        HttpResponse<String> demo = gateway.send(gateway.post(CHAT, Loopback.chat("demo"), KEY));
        assertThat(demo.statusCode()).as(demo.body()).isEqualTo(200);
        assertThat(JSON.readTree(demo.body()).at("/choices/0/message/content").asText())
                .isEqualTo("Hello from Caravan's demo provider. You said: \"hello\"");

        HttpResponse<String> deepseek = gateway.send(gateway.post(CHAT, Loopback.chat("deepseek-flash"), KEY));
        assertThat(deepseek.statusCode()).as(deepseek.body()).isEqualTo(200);
        assertThat(JSON.readTree(deepseek.body()).at("/choices/0/message/content").asText())
                .isEqualTo("answer from deepseek");
        assertThat(UPSTREAM.last("deepseek").header("authorization"))
                .isEqualTo("Bearer " + GatewayTest.providerKey("deepseek"));

        CamelContext camel = main.getCamelContext();
        assertThat(camel.getName()).isEqualTo("camel-main-host");
        // Caravan's application.yaml turns stream caching off for the gateway; not for the application
        assertThat(camel.isStreamCaching()).isTrue();
        try (ProducerTemplate template = camel.createProducerTemplate()) {
            assertThat(template.requestBody("direct:greet", "Ada", String.class)).isEqualTo("Hello Ada, from the host");
        }
        // the application's direct: is Camel's own: Caravan's swap-safe one serves only the gateway's own application
        assertThat(camel.getComponent("direct")).isExactlyInstanceOf(DirectComponent.class);
        assertThat(camel.getRegistry().findByType(SwapSafeDirectComponent.class)).isEmpty();
    }

    @Test
    @Order(2)
    void stopsAfterWhatIsInFlightAndWritesTheLedger() throws Exception {
        UPSTREAM.reset();
        HttpResponse<String> demo = gateway.send(gateway.post(CHAT, Loopback.chat("demo"), KEY));
        UPSTREAM.enqueue("deepseek", Answer.json(500, "{\"error\":{\"message\":\"down\"}}"));
        HttpResponse<String> failed = gateway.send(gateway.post(CHAT, Loopback.chat("deepseek-flash"), KEY));
        assertError(failed, 502, "upstream_error");
        // about 2 s of stream, its usage at the end
        UPSTREAM.enqueue("deepseek", Answer.stream(400,
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"one \"}}]}\n\n",
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"two\"},\"finish_reason\":\"stop\"}]}\n\n",
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n",
                "data: [DONE]\n\n"));
        CompletableFuture<HttpResponse<String>> stream = gateway.sendAsync(
                gateway.post(CHAT, Loopback.streamedChat("deepseek-flash"), KEY));
        while (UPSTREAM.received("deepseek").size() < 2) {
            Thread.sleep(10);
        }

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(main::stop);
        Thread.sleep(200);
        assertError(gateway.send(gateway.post(CHAT, Loopback.chat("demo"), KEY)), 503, "shutting_down");
        HttpResponse<String> streamed = stream.get();
        assertThat(streamed.body()).contains("two").endsWith("data: [DONE]\n\n");
        stopping.get();

        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
        List<HttpResponse<String>> answered = List.of(demo, failed, streamed);
        JdbcTemplate ledger = new JdbcTemplate(new DriverManagerDataSource(database));
        assertThat(LedgerRows.awaitStatuses(ledger, LedgerRows.requestIds(answered)))
                .isEqualTo(LedgerRows.statuses(answered));
        assertThat(ledger.queryForObject("select prompt_tokens from usage_record where request_id = ?", Long.class,
                LedgerRows.requestIds(List.of(streamed)).get(0))).isEqualTo(5);
        // priced by Caravan's defaults (the demo model is free), not unknown
        assertThat(ledger.queryForObject("select cost from usage_record where request_id = ?", BigDecimal.class,
                LedgerRows.requestIds(List.of(demo)).get(0))).isZero();
        String failedId = LedgerRows.requestIds(List.of(failed)).get(0);
        try (Stream<Path> deadLetters = Files.list(data.resolve("dead-letters"))) {
            assertThat(deadLetters.map(CamelMainHostTest::read)).anyMatch(letter -> letter.contains(failedId));
        }
    }

    @Test
    void aBeanNameOfCaravansTakenByTheApplicationStopsItsStart() {
        Main other = new Main();
        other.setPropertyPlaceholderLocations("classpath:camel-main-host.properties");
        other.bind("metrics", new Object());
        other.configure().addConfiguration(new CaravanConfiguration());
        other.addOverrideProperty("caravan.port", String.valueOf(GatewayTest.freePort()));
        other.addOverrideProperty("spring.datasource.url", "jdbc:h2:mem:name-taken;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE");
        assertThatThrownBy(other::start).hasStackTraceContaining("Camel's registry already has a bean named 'metrics'");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
