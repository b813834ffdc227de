package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A provider block with {@code anthropicBaseUrl} gets Anthropic clients' requests as they were sent (model
 * replaced, key swapped) and its answers go back untranslated, usage read from Anthropic's fields; when it
 * fails, the fallback chain goes on to a chat provider with the translated request.
 */
class NativeMessagesTest extends GatewayTest {

    private static final String PROVIDER_KEY = "sk-native-provider-secret-0123456789";
    /** What Claude Code sends on a tool turn: a signed thinking block, cache_control, a tool result. */
    private static final String REQUEST = """
            {"model":"native-model","max_tokens":1024,
             "system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":"Write a file"},
               {"role":"assistant","content":[
                 {"type":"thinking","thinking":"I should write it.","signature":"sig-abc123"},
                 {"type":"tool_use","id":"toolu_01","name":"Write","input":{"file_path":"/tmp/a","content":"x"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"ok",
                 "cache_control":{"type":"ephemeral"}}]}],
             "tools":[{"name":"Write","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}}}}],
             "thinking":{"type":"enabled","budget_tokens":2048},
             "context_management":{"edits":[]}%s}""";
    private static final String MESSAGE = """
            {"id":"msg_native","type":"message","role":"assistant","model":"vendor/native-v1",
             "content":[{"type":"thinking","thinking":"done","signature":"sig-xyz"},{"type":"text","text":"Written."}],
             "stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":40,"cache_read_input_tokens":100,"cache_creation_input_tokens":10,"output_tokens":7}}""";

    @Autowired
    private JdbcTemplate db;

    private static HttpResponse<String> messages(String body) {
        return send(HttpRequest.newBuilder(uri("/v1/messages?beta=true")).header("x-api-key", CLIENT_KEY)
                .header("anthropic-version", "2023-06-01").header("anthropic-beta", "interleaved-thinking-2025-05-14")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void aMessagesRequestReachesTheProviderAsSentAndItsAnswerComesBackAsItIs() throws Exception {
        UPSTREAM.respond("native-anthropic", r -> Answer.json(200, MESSAGE));

        HttpResponse<String> response = messages(REQUEST.formatted(""));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(JSON.readTree(MESSAGE));
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("native");
        FakeProviders.Received sent = UPSTREAM.last("native-anthropic");
        assertThat(sent.path()).isEqualTo("/native-anthropic/v1/messages");
        ObjectNode expected = (ObjectNode) JSON.readTree(REQUEST.formatted(""));
        expected.put("model", "vendor/native-v1");
        assertThat(sent.json()).isEqualTo(expected);
        assertThat(sent.header("x-api-key")).isEqualTo(PROVIDER_KEY);
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + PROVIDER_KEY);
        assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(sent.header("anthropic-beta")).isEqualTo("interleaved-thinking-2025-05-14");
        assertThat(sent.headers().toString()).doesNotContain(CLIENT_KEY);
        assertThat(UPSTREAM.received("native")).isEmpty();

        Map<String, Object> row = ledgerRow(response);
        assertThat(row).containsEntry("provider", "native").containsEntry("upstream_model", "vendor/native-v1")
                .containsEntry("path", "/v1/messages").containsEntry("status", 200);
        assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(150);
        assertThat(((Number) row.get("cached_tokens")).longValue()).isEqualTo(100);
        assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(7);
    }

    @Test
    void aStreamIsRelayedEventByEventWithItsUsageCounted() throws Exception {
        UPSTREAM.respond("native-anthropic", r -> Answer.stream(5,
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"content\":[],\"model\":\"vendor/native-v1\",\"stop_reason\":null,"
                        + "\"usage\":{\"input_tokens\":30,\"cache_read_input_tokens\":20,\"output_tokens\":1}}}\n\n",
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
                "event: ping\ndata: {\"type\": \"ping\"}\n\n",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":12}}\n\n",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));

        HttpResponse<String> response = messages(REQUEST.formatted(",\"stream\":true"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        assertThat(response.body()).contains("event: message_start\ndata: {\"type\":\"message_start\"")
                .contains("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}")
                .contains("event: ping\n").endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
                .doesNotContain("[DONE]");
        assertThat(UPSTREAM.last("native-anthropic").json().path("stream").asBoolean()).isTrue();
        Map<String, Object> row = ledgerRow(response);
        assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(50);
        assertThat(((Number) row.get("cached_tokens")).longValue()).isEqualTo(20);
        assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(12);
        assertThat(row.get("stream")).isEqualTo(true);
    }

    @Test
    void aStreamFailingAfterItStartedEndsWithAnAnthropicErrorEvent() throws Exception {
        UPSTREAM.respond("native-anthropic", r -> Answer.stream(5,
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\","
                        + "\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n",
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"));

        HttpResponse<String> response = messages(REQUEST.formatted(",\"stream\":true"));

        assertThat(response.statusCode()).isEqualTo(200);
        String last = response.body().substring(response.body().lastIndexOf("event: "));
        assertThat(last).startsWith("event: error\ndata: ");
        JsonNode error = JSON.readTree(last.substring(last.indexOf("data: ") + 6).strip());
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(error.path("error").path("message").asText()).contains("native");
        assertThat(ledgerRow(response).get("error")).isNotNull();
    }

    @Test
    void whenTheNativeProviderFailsTheChainGoesOnToAChatProviderTranslated() throws Exception {
        for (int i = 0; i < ATTEMPTS; i++) {
            UPSTREAM.enqueue("native-anthropic", Answer.json(529,
                    "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
        }

        HttpResponse<String> response = messages(REQUEST.formatted(""));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("qwen");
        JsonNode message = json(response);
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("content").findValuesAsText("text")).contains("answer from qwen");
        assertThat(UPSTREAM.received("native-anthropic")).hasSize(ATTEMPTS);
        // the chat provider got the translation: the thinking came back as reasoning, the tool result as a tool message
        JsonNode chat = UPSTREAM.last("qwen").json();
        assertThat(chat.path("model").asText()).isEqualTo("qwen-plus");
        assertThat(chat.path("messages").findValuesAsText("role")).contains("system", "user", "assistant", "tool");
        assertThat(ledgerRow(response)).containsEntry("provider", "qwen").containsEntry("fallbacks", 1);
    }

    @Test
    void anOverloadedProviderWithoutFallbackIsAnOverloadedErrorAndAModelGivenTwiceIsRefused() {
        failEveryAttempt("native-anthropic", Answer.json(529,
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));

        HttpResponse<String> response = messages(REQUEST.formatted("").replace("\"native-model\"",
                "\"native/vendor/native-v1\""));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(529);
        assertThat(json(response).path("error").path("type").asText()).isEqualTo("overloaded_error");

        // a provider reading the first "model" would run one the key was never checked against
        HttpResponse<String> twice = messages(REQUEST.formatted(",\"model\":\"native-model\"")
                .replace("\"model\":\"native-model\",\"max_tokens\"", "\"model\":\"something-dear\",\"max_tokens\""));
        assertThat(twice.statusCode()).as(twice.body()).isEqualTo(400);
        assertThat(json(twice).path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(UPSTREAM.received("native-anthropic")).hasSize(ATTEMPTS);
    }

    @Test
    void chatCompletionsToTheSameProviderUseItsOpenAiApi() {
        HttpResponse<String> response = post("/v1/chat/completions", chat("native-model"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(UPSTREAM.last("native").path()).isEqualTo("/native/chat/completions");
        assertThat(UPSTREAM.received("native-anthropic")).isEmpty();
    }

    private Map<String, Object> ledgerRow(HttpResponse<String> response) throws InterruptedException {
        List<String> ids = LedgerRows.requestIds(List.of(response));
        assertThat(LedgerRows.awaitStatuses(db, ids)).hasSize(1);
        return db.queryForMap("select * from usage_record where request_id = ?", ids.get(0));
    }
}
