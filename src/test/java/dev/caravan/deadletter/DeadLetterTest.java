package dev.caravan.deadletter;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** Failed requests are kept with every provider call and its error body; the admin API reads and replays them. */
@Timeout(30)
class DeadLetterTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";

    @Autowired
    private JdbcTemplate db;
    @Autowired
    private CircuitBreakerRegistry breakers;

    private static JsonNode deadLetterOf(String requestId) throws InterruptedException {
        return deadLetterOf(requestId, 10_000);
    }

    private static JsonNode deadLetterOf(String requestId, long waitMillis) throws InterruptedException {
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (JsonNode record : json(get("/admin/dead-letters", ADMIN_KEY)).path("data")) {
                if (requestId.equals(record.path("request_id").asText())) {
                    return json(get("/admin/dead-letters/" + record.path("id").asText(), ADMIN_KEY));
                }
            }
            Thread.sleep(50);
        }
        return null;
    }

    private static HttpResponse<String> failedRequest(String marker) {
        failEveryAttempt("deepseek", Answer.json(503, "{\"error\":{\"message\":\"overloaded " + marker
                + " key " + providerKey("deepseek") + "\"}}"));
        return post(CHAT, "{\"model\":\"deepseek-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"" + marker
                + "\"}],\"metadata\":{\"api_key\":\"sk-client-secret\"}}");
    }

    @Test
    void aRequestWhoseProvidersFailedIsKeptWithEveryCall() throws Exception {
        HttpResponse<String> response = failedRequest("m1");
        assertError(response, 503, "upstream_unavailable");

        JsonNode record = deadLetterOf(response.headers().firstValue("x-request-id").orElseThrow());

        assertThat(record).as("dead letter recorded").isNotNull();
        assertThat(record.path("model").asText()).isEqualTo("deepseek-flash");
        assertThat(record.path("key").asText()).isEqualTo("default");
        assertThat(record.path("status").asInt()).isEqualTo(503);
        assertThat(record.path("request").path("messages").path(0).path("content").asText()).isEqualTo("m1");
        assertThat(record.path("request").path("metadata").path("api_key").asText()).isEqualTo("[redacted]");
        assertThat(record.path("attempts")).hasSize(ATTEMPTS).allSatisfy(a -> {
            assertThat(a.path("provider").asText()).isEqualTo("deepseek");
            assertThat(a.path("url").asText()).endsWith("/deepseek/chat/completions");
            assertThat(a.path("outcome").asText()).isEqualTo("503");
            assertThat(a.path("provider_body").asText()).contains("overloaded m1").contains("[redacted]");
        });
        assertThat(record.toString()).doesNotContain(providerKey("deepseek")).doesNotContain("sk-client-secret");
    }

    @Test
    void aReplayIsANewRequestThroughTheRoutes() throws Exception {
        HttpResponse<String> failed = failedRequest("m2");
        JsonNode record = deadLetterOf(failed.headers().firstValue("x-request-id").orElseThrow());

        HttpResponse<String> replay = send(HttpRequest.newBuilder(uri("/admin/dead-letters/" + record.path("id").asText()
                + "/replay")).header("Authorization", "Bearer " + ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(json(replay).path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("answer from deepseek");
        assertThat(replay.headers().firstValue("x-request-id")).isPresent()
                .isNotEqualTo(failed.headers().firstValue("x-request-id"));
        assertThat(UPSTREAM.last("deepseek").json().path("messages").path(0).path("content").asText()).isEqualTo("m2");
    }

    @Test
    void aTranslatedRequestIsKeptAsTheChatCompletionItBecameAndReplaysAsOne() throws Exception {
        failEveryAttempt("deepseek", Answer.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        HttpResponse<String> failed = send(HttpRequest.newBuilder(uri("/v1/messages")).header("x-api-key", CLIENT_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"deepseek-flash\",\"max_tokens\":64,"
                        + "\"system\":\"be brief\",\"messages\":[{\"role\":\"user\",\"content\":\"m3\"}]}")));
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(529);
        JsonNode record = deadLetterOf(failed.headers().firstValue("x-request-id").orElseThrow());
        assertThat(record.path("path").asText()).isEqualTo("/v1/messages");
        assertThat(record.path("request").path("messages").findValuesAsText("content")).containsExactly("be brief", "m3");

        HttpResponse<String> replay = send(HttpRequest.newBuilder(uri("/admin/dead-letters/" + record.path("id").asText()
                + "/replay")).header("Authorization", "Bearer " + ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(json(replay).path("object").asText()).isEqualTo("chat.completion");
        assertThat(UPSTREAM.last("deepseek").json().path("messages").path(1).path("content").asText()).isEqualTo("m3");
    }

    @Test
    void aReplaySendsTheRequestAsSentAndCountsAgainstItsKeysLimits() throws Exception {
        failEveryAttempt("deepseek", Answer.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        HttpResponse<String> failed = post(CHAT, "{\"model\":\"deepseek-flash\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"m4\"}],\"metadata\":{\"api_key\":\"sk-client-own-secret\"}}", PACED_KEY);
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
        JsonNode record = deadLetterOf(failed.headers().firstValue("x-request-id").orElseThrow());
        // the admin API shows it masked
        assertThat(record.path("request").path("metadata").path("api_key").asText()).isEqualTo("[redacted]");
        Long before = db.queryForObject("select coalesce(sum(requests), 0) from key_rate where key_name = 'paced'",
                Long.class);

        HttpResponse<String> replay = send(HttpRequest.newBuilder(uri("/admin/dead-letters/" + record.path("id").asText()
                + "/replay")).header("Authorization", "Bearer " + ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(replay.statusCode()).as(replay.body()).isIn(200, 429);
        if (replay.statusCode() == 200) {
            // the replay sent the request as it was, not its masked view
            assertThat(UPSTREAM.last("deepseek").json().path("metadata").path("api_key").asText())
                    .isEqualTo("sk-client-own-secret");
        }
        Long after = db.queryForObject("select coalesce(sum(requests), 0) from key_rate where key_name = 'paced'",
                Long.class);
        assertThat(after).as("the replay reserved against the key's rpm").isEqualTo(before + (replay.statusCode() == 200 ? 1 : 0));
        assertThat(replay.statusCode() == 429 || after > before).isTrue();
    }

    @Test
    void aStreamFailingAfterItsStartIsKeptWithWhatWasStreamed() throws Exception {
        UPSTREAM.enqueue("deepseek", Answer.stream(5,
                "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{\"content\":\"half an ans\"},\"finish_reason\":null}]}\n\n").droppingAtEnd());

        HttpResponse<String> response = post(CHAT, "{\"model\":\"deepseek-flash\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"m5\"}]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("half an ans").contains("\"error\"");
        JsonNode record = deadLetterOf(response.headers().firstValue("x-request-id").orElseThrow());
        assertThat(record).as("dead letter of the stream").isNotNull();
        assertThat(record.path("status").asInt()).isEqualTo(200);
        assertThat(record.path("model").asText()).isEqualTo("deepseek-flash");
        assertThat(record.path("error").path("code").asText()).isNotBlank();
        assertThat(record.path("streamed").asText()).contains("half an ans");
        assertThat(record.path("request").path("messages").path(0).path("content").asText()).isEqualTo("m5");
        assertThat(record.path("attempts")).hasSize(1);
    }

    @Test
    void aFailureWithoutAnyProviderCallIsNoDeadLetter() throws Exception {
        breakers.circuitBreaker("deepseek").transitionToForcedOpenState();
        try {
            HttpResponse<String> response = post(CHAT, chat("deepseek-flash"));

            assertError(response, 503, "upstream_unavailable");
            Thread.sleep(300); // the writer thread would have written it by now
            assertThat(deadLetterOf(response.headers().firstValue("x-request-id").orElseThrow(), 500)).isNull();
            assertThat(UPSTREAM.received("deepseek")).isEmpty();
        } finally {
            breakers.circuitBreaker("deepseek").reset();
        }
    }

    @Test
    void onlyTheNewestRecordsWithinTheirAgeAreKept(@TempDir Path dir) throws Exception {
        try (GatewayInstance gateway = GatewayInstance.start(UPSTREAM, Map.of(
                "caravan.dead-letters.dir", dir.toString(), "caravan.dead-letters.max-count", 2,
                "caravan.dead-letters.max-age", "3s",
                "spring.datasource.url", "jdbc:h2:mem:dead-letter-limits;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE",
                "caravan.ledger.spool-dir", dir.resolve("spool").toString()))) {
            UPSTREAM.respond("deepseek", r -> Answer.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
            for (int i = 0; i < 4; i++) {
                assertThat(CLIENT.send(gateway.post(CHAT, chat("deepseek-flash"), CLIENT_KEY),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
            }
            assertThat(awaitRecords(dir, 2)).hasSize(2);
            Thread.sleep(3_100);
            gateway.bean(CircuitBreakerRegistry.class).circuitBreaker("deepseek").reset(); // 12 failures opened it
            CLIENT.send(gateway.post(CHAT, chat("deepseek-flash"), CLIENT_KEY), HttpResponse.BodyHandlers.ofString());
            assertThat(awaitRecords(dir, 1)).as("the two older than 3 s dropped").hasSize(1);
            String metrics = CLIENT.send(gateway.request("/metrics", ADMIN_KEY).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern("caravan_dead_letters_dropped_total(\\{[^}]*})? 4\\.0");
        }
    }

    /** The record files once there are {@code expected} of them, or what is there after 5 s. */
    private static List<Path> awaitRecords(Path dir, int expected) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<Path> records;
            try (var files = Files.list(dir)) {
                records = files.filter(p -> p.toString().endsWith(".json")).toList();
            }
            if (records.size() == expected || System.nanoTime() > deadline) {
                return records;
            }
            Thread.sleep(50);
        }
    }

    @Test
    void failuresOfTheClientAreNotKept() throws Exception {
        HttpResponse<String> response = post(CHAT, chat("no-such-model"));
        assertError(response, 404, "model_not_found");

        Thread.sleep(200);
        assertThat(json(get("/admin/dead-letters", ADMIN_KEY)).path("data").findValuesAsText("request_id"))
                .doesNotContain(response.headers().firstValue("x-request-id").orElseThrow());
    }

    @Test
    void onlyTheAdminKeyOpensTheAdminApi() {
        assertError(get("/admin/dead-letters", CLIENT_KEY), 401, "invalid_api_key");
        assertError(send(HttpRequest.newBuilder(uri("/admin/dead-letters")).GET()), 401, "invalid_api_key");
        assertThat(get("/admin/dead-letters", ADMIN_KEY).statusCode()).isEqualTo(200);
        assertError(get("/admin/dead-letters/ffffffffffffff-00000000", ADMIN_KEY), 404, "not_found");
        assertError(get("/admin/dead-letters/../../etc/passwd", ADMIN_KEY), 404, "not_found");
    }
}
