package dev.caravan.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * {@code /v1/messages} over plain HTTP as Claude Code calls it ({@code x-api-key}, {@code anthropic-version},
 * {@code ?beta=true}): the gateway's and providers' failures in Anthropic's shape and statuses, fallback,
 * the stream's ends (error event, pings), token counts and the log line.
 */
@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
class MessagesHttpTest extends GatewayTest {

    private static final String MESSAGES = "/v1/messages?beta=true";

    private static String ask(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":1024,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static HttpResponse<String> messages(String path, String body, String key) {
        return send(HttpRequest.newBuilder(uri(path)).header("x-api-key", key)
                .header("anthropic-version", "2023-06-01").header("anthropic-beta", "claude-code-20250219")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> messages(String body) {
        return messages(MESSAGES, body, CLIENT_KEY);
    }

    /** Asserts an Anthropic error body and status; returns the error object. */
    private static JsonNode assertAnthropicError(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        JsonNode body = json(response);
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).as(response.body()).isEqualTo(type);
        assertThat(body.path("error").path("message").asText()).isNotBlank();
        return body.path("error");
    }

    @Test
    void answersClaudeCodesRequestWithAMessage() {
        HttpResponse<String> response = messages(ask("glm-5.3-flash", false));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        JsonNode message = json(response);
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("id").asText()).startsWith("msg_");
        assertThat(message.path("content").path(1).path("text").asText()).isEqualTo("answer from glm");
    }

    @Test
    void servesTheToolTurnClaudeCodeSent() throws Exception {
        String captured = Files.readString(Path.of("src/test/resources/agents/claude-tool-turn-request.json"));

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(MESSAGES))
                .header("Authorization", "Bearer " + CLIENT_KEY).header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(captured)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        SseEvents events = SseEvents.parse(response.body());
        assertThat(events.joined("thinking_delta", "thinking")).isEqualTo("think");
        assertThat(events.joined("text_delta", "text")).isEqualTo("Hello world");
        assertThat(events.names()).last().isEqualTo("message_stop");
        JsonNode sent = UPSTREAM.last("deepseek").json();
        assertThat(sent.path("model").asText()).isEqualTo("deepseek-flash");
        assertThat(sent.path("messages").findValuesAsText("role")).containsExactly("system", "user", "assistant", "tool");
        assertThat(sent.path("tools").size()).isEqualTo(12);
    }

    /**
     * A ToolSearch result names the deferred tools it found ({@code tool_reference}); every later turn of the
     * session carries it, so a refusal would end the session.
     */
    @Test
    void servesATurnAfterAToolSearch() throws Exception {
        ObjectNode captured = (ObjectNode) Json.MAPPER.readTree(
                Path.of("src/test/resources/agents/claude-tool-turn-request.json").toFile());
        JsonNode turns = captured.path("messages");
        ObjectNode result = (ObjectNode) turns.get(turns.size() - 1).path("content").get(0);
        result.putArray("content").addObject().put("type", "tool_reference").put("tool_name", "DeferredToolPlaceholder");

        HttpResponse<String> response = messages(captured.toString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(SseEvents.parse(response.body()).names()).last().isEqualTo("message_stop");
        JsonNode tool = UPSTREAM.last("deepseek").json().path("messages").path(3);
        assertThat(tool.path("role").asText()).isEqualTo("tool");
        assertThat(tool.path("content").asText()).isEqualTo("Tool DeferredToolPlaceholder is now available.");
    }

    @Test
    void failuresAreAnthropicErrors() {
        failEveryAttempt("deepseek", Answer.json(503, "{\"error\":{\"message\":\"busy\"}}"));
        assertAnthropicError(messages(ask("deepseek-flash", false)), 529, "overloaded_error");

        failEveryAttempt("openai", Answer.json(500, "{\"error\":{\"message\":\"boom\"}}"));
        assertAnthropicError(messages(ask("gpt-4o-mini", true)), 502, "api_error");

        assertAnthropicError(messages(MESSAGES, ask("deepseek-flash", false), "sk-wrong"), 401,
                "authentication_error");
        assertAnthropicError(messages(ask("no-such-model", false)), 404, "not_found_error");
        assertAnthropicError(messages("{\"model\":\"deepseek-flash\",\"messages\":[]}"), 400,
                "invalid_request_error");
        assertAnthropicError(messages("{not json"), 400, "invalid_request_error");

        HttpResponse<String> overBudget = messages(MESSAGES, ask("deepseek-flash", false).replace("1024", "100000"),
                CAPPED_KEY);
        assertAnthropicError(overBudget, 429, "rate_limit_error");
        assertThat(overBudget.headers().firstValue("retry-after")).isPresent();

        byte[] huge = new byte[17 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        assertAnthropicError(send(HttpRequest.newBuilder(uri(MESSAGES)).header("x-api-key", CLIENT_KEY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(huge))), 413, "request_too_large");
        assertAnthropicError(send(HttpRequest.newBuilder(uri("/v1/messages")).header("x-api-key", CLIENT_KEY)
                .GET()), 405, "invalid_request_error");
        // listing models, an Anthropic SDK gets Anthropic's shapes too
        HttpResponse<String> unknown = send(HttpRequest.newBuilder(uri("/v1/models/no-such-model"))
                .header("x-api-key", CLIENT_KEY).header("anthropic-version", "2023-06-01").GET());
        assertAnthropicError(unknown, 404, "not_found_error");
    }

    @Test
    void claudesOwnModelNamesRouteByAliasPatternsTheMostSpecificFirst() {
        HttpResponse<String> sonnet = messages(ask("claude-sonnet-4-5-20250929", false));
        HttpResponse<String> haiku = messages(ask("claude-haiku-4-5-20251001", false));

        assertThat(sonnet.statusCode()).as(sonnet.body()).isEqualTo(200);
        assertThat(sonnet.headers().firstValue("x-caravan-provider")).hasValue("glm");
        assertThat(json(sonnet).path("model").asText()).isEqualTo("claude-sonnet-4-5-20250929");
        assertThat(haiku.headers().firstValue("x-caravan-provider")).hasValue("deepseek");
        assertThat(UPSTREAM.last("deepseek").json().path("model").asText()).isEqualTo("deepseek-flash");
        // patterns are no model names: not listed
        assertThat(get("/v1/models", CLIENT_KEY).body()).doesNotContain("claude-");
    }

    @Test
    void listsModelsInAnthropicsShapeForAnthropicClients() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/models")).header("x-api-key", CLIENT_KEY)
                .header("anthropic-version", "2023-06-01").GET());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode list = json(response);
        assertThat(list.has("object")).isFalse();
        assertThat(list.path("has_more").asBoolean(true)).isFalse();
        JsonNode first = list.path("data").path(0);
        assertThat(first.path("type").asText()).isEqualTo("model");
        assertThat(first.path("display_name").asText()).isEqualTo(first.path("id").asText());
        assertThat(list.path("first_id").asText()).isEqualTo(first.path("id").asText());
        // an OpenAI client of the same path gets OpenAI's list
        assertThat(json(get("/v1/models", CLIENT_KEY)).path("object").asText()).isEqualTo("list");
    }

    @Test
    void aStreamFallsBackBeforeItsFirstByte() {
        UPSTREAM.enqueue("flaky", Answer.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));

        HttpResponse<String> response = messages(ask("flaky-model", true));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("qwen");
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        SseEvents events = SseEvents.parse(response.body());
        assertThat(events.joined("text_delta", "text")).isEqualTo("Hello world");
        assertThat(events.names()).last().isEqualTo("message_stop");
        assertThat(events.named("message_start").get(0).path("message").path("model").asText())
                .isEqualTo("flaky-model");
    }

    @Test
    void aStreamFailingMidwayEndsWithAnErrorEvent() {
        UPSTREAM.enqueue("qwen", Answer.stream(50, AnthropicSdkTest.chunk("{\"content\":\"part\"}", null))
                .droppingAtEnd());

        HttpResponse<String> response = messages(ask("qwen-plus", true));

        assertThat(response.statusCode()).isEqualTo(200);
        SseEvents events = SseEvents.parse(response.body());
        assertThat(events.namesWithoutPings()).containsExactly("message_start", "content_block_start",
                "content_block_delta", "error");
        JsonNode error = events.named("error").get(0);
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("error").path("type").asText()).isEqualTo("api_error");
        assertThat(error.path("error").path("message").asText()).contains("qwen");
    }

    @Test
    void pingsWhileTheProviderIsSilent() {
        UPSTREAM.enqueue("deepseek", Answer.stream(PingTimer.INTERVAL.toMillis() + 2_000,
                AnthropicSdkTest.chunk("{\"content\":\"slow\"}", null),
                AnthropicSdkTest.chunk("{\"content\":\" answer\"}", "\"stop\"") + "data: [DONE]\n\n"));

        HttpResponse<String> response = messages(ask("deepseek-flash", true));

        SseEvents events = SseEvents.parse(response.body());
        int ping = events.names().indexOf("ping");
        assertThat(ping).as(response.body()).isGreaterThan(events.names().indexOf("content_block_delta"));
        assertThat(events.named("ping").get(0).toString()).isEqualTo("{\"type\":\"ping\"}");
        assertThat(events.joined("text_delta", "text")).isEqualTo("slow answer");
        assertThat(events.names()).last().isEqualTo("message_stop");
    }

    @Test
    void countsTokensAsLimitsDo() {
        String request = "{\"model\":\"deepseek-flash\",\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\","
                + "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> counted = messages("/v1/messages/count_tokens?beta=true", request, CLIENT_KEY);

        assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
        assertThat(counted.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        long tokens = json(counted).path("input_tokens").asLong();
        // the translated chat request at three bytes a token
        assertThat(tokens).isEqualTo((("{\"model\":\"deepseek-flash\",\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"Be brief.\"},{\"role\":\"user\",\"content\":\"hi\"}]}").length() + 2) / 3);
        assertThat(UPSTREAM.received()).isEmpty();
        assertAnthropicError(messages("/v1/messages/count_tokens", "{\"messages\":[]}", CLIENT_KEY), 400,
                "invalid_request_error");
        assertAnthropicError(messages("/v1/messages/count_tokens", request, "sk-wrong"), 401,
                "authentication_error");
    }

    @Test
    void theLogLineNamesTheServerToolsLeftOut(CapturedOutput output) throws Exception {
        HttpResponse<String> response = messages("{\"model\":\"glm-5.3-flash\",\"max_tokens\":100,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"search\"}],\"tools\":["
                + "{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":3},"
                + "{\"type\":\"text_editor_20250728\",\"name\":\"str_replace_based_edit_tool\"},"
                + "{\"name\":\"Read\",\"input_schema\":{\"type\":\"object\"}}]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(UPSTREAM.last("glm").json().path("tools")).hasSize(1);
        assertLogged(output, "path=/v1/messages status=200 .*dropped_tools=web_search_20250305,text_editor_20250728");
    }
}
