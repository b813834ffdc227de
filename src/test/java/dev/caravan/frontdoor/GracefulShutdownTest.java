package dev.caravan.frontdoor;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayInstance;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Shutting down (what SIGTERM does: the application context closes) finishes what is in flight, and closes the
 * connections that wait for their next request.
 */
class GracefulShutdownTest {

    private static final FakeProviders UPSTREAM = new FakeProviders();

    @AfterAll
    static void stopUpstream() {
        UPSTREAM.stop();
    }

    @Test
    void aStreamInProgressAtShutdownCompletesAndItsUsageIsRecorded() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "shutdown");
        String database = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("ledger")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE";
        GatewayInstance gateway = GatewayInstance.start(UPSTREAM, Map.of("spring.datasource.url", database,
                "caravan.ledger.spool-dir", dir.resolve("spool"), "caravan.ledger.flush-interval", "1s"));
        // about 4 s of stream, with its usage at the end: longer than Camel takes to stop
        UPSTREAM.enqueue("deepseek", Answer.stream(800,
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"one \"}}]}\n\n",
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"two \"}}]}\n\n",
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"three\"},\"finish_reason\":\"stop\"}]}\n\n",
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}}\n\n",
                "data: [DONE]\n\n"));
        HttpClient client = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<String>> stream = client.sendAsync(gateway.post("/v1/chat/completions",
                "{\"model\":\"deepseek-flash\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}",
                dev.caravan.testing.GatewayTest.CLIENT_KEY), HttpResponse.BodyHandlers.ofString());
        while (UPSTREAM.received("deepseek").isEmpty()) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        int port = gateway.request("/", "k").build().uri().getPort();
        RawHttp idle = new RawHttp(port);
        assertThat(idle.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(gateway::close);
        // a keep-alive connection waiting for its next request is closed at once: its client goes elsewhere
        assertThat(idle.closedWithin(Duration.ofSeconds(1))).isTrue();
        idle.close();
        HttpResponse<String> refused = HttpClient.newHttpClient().send(gateway.post("/v1/chat/completions",
                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                dev.caravan.testing.GatewayTest.CLIENT_KEY), HttpResponse.BodyHandlers.ofString());
        assertError(refused, 503, "shutting_down");
        assertThat(refused.headers().firstValue("retry-after")).hasValue("1");

        HttpResponse<String> streamed = stream.get();
        assertThat(streamed.body()).contains("three").endsWith("data: [DONE]\n\n");
        String requestId = streamed.headers().firstValue("x-request-id").orElseThrow();
        closing.get();
        try (Connection db = DriverManager.getConnection(database);
             ResultSet row = db.createStatement().executeQuery("select prompt_tokens, completion_tokens, "
                     + "tokens_estimated from usage_record where request_id = '" + requestId + "'")) {
            assertThat(row.next()).as("the stream's usage is in the ledger").isTrue();
            assertThat(row.getLong(1)).isEqualTo(5);
            assertThat(row.getLong(2)).isEqualTo(3);
            assertThat(row.getBoolean(3)).isFalse();
        }
    }
}
