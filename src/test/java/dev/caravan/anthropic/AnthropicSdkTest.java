package dev.caravan.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The official Anthropic Java SDK as the client, over every preset: text, thinking, tools both ways,
 * streamed and not, usage in the ledger, and errors as the SDK types them.
 */
@Timeout(30)
class AnthropicSdkTest extends GatewayTest {

    private static final AnthropicClient SDK = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + PORT)
            .apiKey(CLIENT_KEY).maxRetries(0).build();
    static final List<String> PROVIDERS = PRESETS;

    private static final Tool WEATHER = Tool.builder().name("get_weather").description("The weather in a city")
            .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("city", Map.of("type", "string"))))
                    .required(List.of("city")).build())
            .build();

    @Autowired
    private JdbcTemplate db;

    @AfterAll
    static void close() {
        SDK.close();
    }

    private static MessageCreateParams.Builder ask(String model) {
        return MessageCreateParams.builder().model(model).maxTokens(1024).addUserMessage("hi");
    }

    private static Message streamed(MessageCreateParams params) {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = SDK.messages().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return accumulator.message();
    }

    @ParameterizedTest
    @FieldSource("PROVIDERS")
    void answersWithThinkingTextAndUsage(String provider) {
        Message message = SDK.messages().create(ask(provider + "/m").system("Be brief.").build());

        assertThat(message.model().asString()).isEqualTo(provider + "/m");
        assertThat(message.content()).hasSize(2);
        assertThat(message.content().get(0).asThinking().thinking()).isEqualTo("thinking by " + provider);
        assertThat(message.content().get(1).asText().text()).isEqualTo("answer from " + provider);
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        assertThat(message.usage().inputTokens()).isEqualTo(11);
        assertThat(message.usage().outputTokens()).isEqualTo(7);

        JsonNode sent = UPSTREAM.last(provider).json();
        assertThat(sent.path("model").asText()).isEqualTo("m");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(1024);
        assertThat(sent.path("messages").path(0).path("content").asText()).isEqualTo("Be brief.");
        assertThat(sent.path("messages").path(1).path("content").asText()).isEqualTo("hi");
    }

    @ParameterizedTest
    @FieldSource("PROVIDERS")
    void streamsIntoTheMessageTheSdkAccumulates(String provider) {
        Message message = streamed(ask(provider + "/m").build());

        assertThat(message.content().get(0).asThinking().thinking()).isEqualTo("think");
        assertThat(message.content().get(1).asText().text()).isEqualTo("Hello world");
        assertThat(message.stopReason()).hasValue(StopReason.END_TURN);
        assertThat(message.usage().inputTokens()).isEqualTo(9);
        assertThat(message.usage().outputTokens()).isEqualTo(4);
        assertThat(UPSTREAM.last(provider).json().path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @FieldSource("PROVIDERS")
    void toolUseGoesOutAndToolResultsComeBack(String provider) {
        UPSTREAM.enqueue(provider, Answer.json(200, """
                {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
                 "finish_reason":"tool_calls","message":{"role":"assistant","content":null,"reasoning_content":"plan",
                 "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]}}],
                 "usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}"""));
        MessageCreateParams.Builder first = MessageCreateParams.builder().model(provider + "/m").maxTokens(1024)
                .addUserMessage("Weather in Paris?").addTool(WEATHER);

        Message toolUse = SDK.messages().create(first.build());

        assertThat(toolUse.stopReason()).hasValue(StopReason.TOOL_USE);
        ContentBlock call = toolUse.content().get(1);
        assertThat(call.asToolUse().id()).isEqualTo("call_1");
        assertThat(call.asToolUse().name()).isEqualTo("get_weather");
        assertThat(call.asToolUse()._input().convert(Map.class)).isEqualTo(Map.of("city", "Paris"));
        JsonNode tools = UPSTREAM.last(provider).json().path("tools");
        assertThat(tools.path(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(tools.path(0).path("function").path("parameters").path("required").path(0).asText()).isEqualTo("city");

        Message answer = SDK.messages().create(first.addMessage(toolUse.toParam())
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                        ToolResultBlockParam.builder().toolUseId("call_1").content("sunny").build())))
                .build());

        assertThat(answer.content().get(1).asText().text()).isEqualTo("answer from " + provider);
        JsonNode messages = UPSTREAM.last(provider).json().path("messages");
        assertThat(messages).hasSize(3);
        JsonNode assistant = messages.path(1);
        // Groq refuses fields it does not know; its adapter keeps only its own message fields
        assertThat(assistant.path("reasoning_content").asText()).isEqualTo(provider.equals("groq") ? "" : "plan");
        assertThat(assistant.path("tool_calls").path(0).path("id").asText()).isEqualTo("call_1");
        assertThat(assistant.path("tool_calls").path(0).path("function").path("arguments").asText())
                .isEqualTo("{\"city\":\"Paris\"}");
        assertThat(messages.path(2).path("role").asText()).isEqualTo("tool");
        assertThat(messages.path(2).path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(messages.path(2).path("content").asText()).isEqualTo("sunny");
    }

    @ParameterizedTest
    @FieldSource("PROVIDERS")
    void streamsToolUse(String provider) {
        UPSTREAM.enqueue(provider, Answer.stream(0,
                chunk("{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}", null),
                chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]}", "\"tool_calls\""),
                "data: [DONE]\n\n"));

        Message message = streamed(ask(provider + "/m").addTool(WEATHER).build());

        assertThat(message.stopReason()).hasValue(StopReason.TOOL_USE);
        assertThat(message.content()).hasSize(1);
        assertThat(message.content().get(0).asToolUse().id()).isEqualTo("call_9");
        assertThat(message.content().get(0).asToolUse()._input().convert(Map.class)).isEqualTo(Map.of("city", "Oslo"));
    }

    @Test
    void usageAndCostReachTheLedger() throws Exception {
        HttpResponseFor<Message> answered = SDK.messages().withRawResponse().create(ask("deepseek-flash").build());
        String id = answered.headers().values("x-request-id").get(0);
        answered.parse();

        assertThat(LedgerRows.awaitStatuses(db, List.of(id))).containsEntry(id, 200);
        Map<String, Object> row = db.queryForMap("select path, model, provider, prompt_tokens, completion_tokens, "
                + "cost from usage_record where request_id = ?", id);
        assertThat(row).containsEntry("path", "/v1/messages").containsEntry("model", "deepseek-flash")
                .containsEntry("provider", "deepseek").containsEntry("prompt_tokens", 11L)
                .containsEntry("completion_tokens", 7L);
        // 11 prompt tokens at 0.15 and 7 completion tokens at 0.60 USD per million
        assertThat((java.math.BigDecimal) row.get("cost")).isEqualByComparingTo("0.00000585");
    }

    @Test
    void errorsAreTypedByTheSdk() {
        assertThatThrownBy(() -> SDK.messages().create(ask("no-such-model").build()))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.errorType().orElseThrow().toString()).isEqualTo("not_found_error"));
        failEveryAttempt("deepseek", Answer.json(503, "{\"error\":{\"message\":\"busy\"}}"));
        assertThatThrownBy(() -> SDK.messages().create(ask("deepseek-flash").build()))
                .isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(529);
                    assertThat(e.errorType().orElseThrow().toString()).isEqualTo("overloaded_error");
                });
        AnthropicClient wrongKey = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + PORT)
                .apiKey("sk-wrong").maxRetries(0).build();
        assertThatThrownBy(() -> wrongKey.messages().create(ask("deepseek-flash").build()))
                .isInstanceOf(UnauthorizedException.class);
        wrongKey.close();
    }

    @Test
    void aBearerTokenAuthenticatesToo() {
        AnthropicClient bearer = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + PORT)
                .authToken(CLIENT_KEY).maxRetries(0).build();

        Message message = bearer.messages().create(ask("glm-5.3-flash").build());

        assertThat(message.content().get(1).asText().text()).isEqualTo("answer from glm");
        assertThat(UPSTREAM.last("glm").header("authorization")).isEqualTo("Bearer " + providerKey("glm"));
        bearer.close();
    }

    @Test
    void countsTokensWithoutAProvider() {
        long tokens = SDK.messages().countTokens(MessageCountTokensParams.builder().model("deepseek-flash")
                .addUserMessage("hello there").system("Be brief.").addTool(WEATHER).build()).inputTokens();

        assertThat(tokens).isBetween(20L, 200L);
        assertThat(UPSTREAM.received()).isEmpty();
    }

    static String chunk(String delta, String finishReason) {
        return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                + "[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finishReason + "}]}\n\n";
    }
}
