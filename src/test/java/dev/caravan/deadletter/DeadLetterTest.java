package dev.caravan.deadletter;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Failed requests are kept with every provider call and its error body; the admin API reads and replays them. */
@Timeout(30)
class DeadLetterTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";

    private static JsonNode deadLetterOf(String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
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
        return post(CHAT, "{\"model\":\"deepseek-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"" + marker
                + "\"}],\"metadata\":{\"api_key\":\"sk-client-secret\"}}");
    }

    @Test
    void aRequestWhoseProvidersFailedIsKeptWithEveryCall() throws Exception {
        HttpResponse<String> response = failedRequest("m1");
        assertError(response, 503, "upstream_unavailable");

        JsonNode record = deadLetterOf(response.headers().firstValue("x-request-id").orElseThrow());

        assertThat(record).as("dead letter recorded").isNotNull();
        assertThat(record.path("model").asText()).isEqualTo("deepseek-chat");
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
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"deepseek-chat\",\"max_tokens\":64,"
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
