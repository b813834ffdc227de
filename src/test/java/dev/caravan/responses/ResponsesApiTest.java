package dev.caravan.responses;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.CustomToolInputFormat;
import com.openai.models.Reasoning;
import com.openai.models.ReasoningEffort;
import com.openai.models.responses.CustomTool;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseCustomToolCall;
import com.openai.models.responses.ResponseCustomToolCallOutput;
import com.openai.models.responses.ResponseFormatTextJsonSchemaConfig;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseReasoningItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseTextConfig;
import com.openai.models.responses.WebSearchTool;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code POST /v1/responses} end to end with the official OpenAI Java SDK as the client, over every preset:
 * the request reaches the provider as a chat completion, and its answer or stream comes back as the SDK
 * reads a response.
 */
@Timeout(60)
@ExtendWith(OutputCaptureExtension.class)
class ResponsesApiTest extends GatewayTest {

    private static final OpenAIClient SDK = sdk(CLIENT_KEY);
    private static final String RESPONSES = "/v1/responses";

    @Autowired
    private JdbcTemplate db;

    @AfterAll
    static void close() {
        SDK.close();
    }

    private static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + PORT + "/v1").apiKey(key).maxRetries(0)
                .build();
    }

    private static ResponseCreateParams.Builder ask(String model) {
        return ResponseCreateParams.builder().model(model).input("hi").store(false);
    }

    private static List<ResponseStreamEvent> streamAll(ResponseCreateParams params) {
        try (StreamResponse<ResponseStreamEvent> stream = SDK.responses().createStreaming(params)) {
            return new ArrayList<>(stream.stream().toList());
        }
    }

    private static String text(Response response) {
        StringBuilder text = new StringBuilder();
        response.output().stream().filter(ResponseOutputItem::isMessage)
                .forEach(m -> m.asMessage().content().forEach(c -> text.append(c.asOutputText().text())));
        return text.toString();
    }

    private static String deltas(List<ResponseStreamEvent> events) {
        StringBuilder text = new StringBuilder();
        events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
                .forEach(e -> text.append(e.asOutputTextDelta().delta()));
        return text.toString();
    }

    private static FunctionTool weatherTool() {
        return FunctionTool.builder().name("get_weather").description("Weather in a city").strict(false)
                .parameters(FunctionTool.Parameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build();
    }

    private static final String TOOL_CALL_ANSWER = """
            {"id":"chatcmpl-t","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
             "finish_reason":"tool_calls","message":{"role":"assistant","content":null,
             "reasoning_content":"The user wants weather.","tool_calls":[{"id":"call_w1","type":"function",
             "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]}}],
             "usage":{"prompt_tokens":20,"completion_tokens":10,"total_tokens":30}}
            """;

    @Test
    void everyPresetAnswersTextStreamedAndNot() {
        for (String provider : PRESETS) {
            Response response = SDK.responses().create(ask(provider + "/m").build());

            response.validate(); // every member the SDK requires, of the type it requires
            assertThat(response.status()).as(provider).hasValueSatisfying(s -> assertThat(s.asString()).isEqualTo("completed"));
            assertThat(text(response)).as(provider).isEqualTo("answer from " + provider);
            assertThat(response.output().get(0).asReasoning().summary().get(0).text()).isEqualTo("thinking by " + provider);
            assertThat(response.usage().orElseThrow().totalTokens()).isEqualTo(18);
            JsonNode sent = UPSTREAM.last(provider).json();
            assertThat(sent.path("messages").path(0).path("content").asText()).isEqualTo("hi");
            assertThat(sent.has("input") || sent.has("store")).as(provider).isFalse();

            List<ResponseStreamEvent> events = streamAll(ask(provider + "/m").build());

            assertThat(events.get(0).isCreated()).as(provider).isTrue();
            assertThat(deltas(events)).as(provider).isEqualTo("Hello world");
            assertThat(events.stream().filter(ResponseStreamEvent::isReasoningSummaryTextDelta)
                    .map(e -> e.asReasoningSummaryTextDelta().delta())).as(provider).containsExactly("think");
            ResponseStreamEvent last = events.get(events.size() - 1);
            assertThat(last.isCompleted()).as(provider).isTrue();
            Response completed = last.asCompleted().response();
            completed.validate();
            assertThat(text(completed)).as(provider).isEqualTo("Hello world");
            assertThat(completed.usage().orElseThrow().totalTokens()).as(provider).isEqualTo(13);
            assertThat(UPSTREAM.last(provider).json().path("stream_options").path("include_usage").asBoolean())
                    .as(provider).isTrue();
        }
    }

    @Test
    void toolsGoBothWaysForEveryPreset() {
        for (String provider : PRESETS) {
            UPSTREAM.enqueue(provider, Answer.json(200, TOOL_CALL_ANSWER));
            Response response = SDK.responses().create(ask(provider + "/m").addTool(weatherTool())
                    .addTool(WebSearchTool.builder().type(WebSearchTool.Type.WEB_SEARCH).build()).build());

            assertThat(UPSTREAM.last(provider).json().path("tools").findValuesAsText("name"))
                    .as(provider).containsExactly("get_weather");
            ResponseFunctionToolCall call = response.output().stream().filter(ResponseOutputItem::isFunctionCall)
                    .findFirst().orElseThrow().asFunctionCall();
            assertThat(call.callId()).isEqualTo("call_w1");
            assertThat(call.name()).isEqualTo("get_weather");
            assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");
            ResponseReasoningItem reasoning = response.output().get(0).asReasoning();

            Response next = SDK.responses().create(ResponseCreateParams.builder().model(provider + "/m").store(false)
                    .addTool(weatherTool()).inputOfResponse(List.of(
                            ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                                    .role(EasyInputMessage.Role.USER).content("weather in Paris?").build()),
                            ResponseInputItem.ofReasoning(reasoning),
                            ResponseInputItem.ofFunctionCall(call),
                            ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                    .callId(call.callId()).output("18 C, sunny").build())))
                    .build());

            assertThat(text(next)).isEqualTo("answer from " + provider);
            JsonNode messages = UPSTREAM.last(provider).json().path("messages");
            assertThat(messages.path(1).path("role").asText()).as(provider).isEqualTo("assistant");
            // Groq answers 400 to fields it does not document, so its adapter leaves reasoning out
            assertThat(messages.path(1).path("reasoning_content").asText()).as(provider)
                    .isEqualTo(provider.equals("groq") ? "" : "The user wants weather.");
            assertThat(messages.path(1).path("tool_calls").path(0).path("id").asText()).isEqualTo("call_w1");
            assertThat(messages.path(1).path("tool_calls").path(0).path("function").path("name").asText())
                    .isEqualTo("get_weather");
            assertThat(messages.path(2).path("role").asText()).isEqualTo("tool");
            assertThat(messages.path(2).path("tool_call_id").asText()).isEqualTo("call_w1");
            assertThat(messages.path(2).path("content").asText()).isEqualTo("18 C, sunny");
        }
    }

    @Test
    void aStreamedToolCallArrivesAsFunctionCallEvents() {
        UPSTREAM.enqueue("deepseek", Answer.stream(0,
                ResponsesTranslationTest.chunk("\"role\":\"assistant\",\"reasoning_content\":\"Weather.\"", null),
                ResponsesTranslationTest.chunk("\"tool_calls\":[{\"index\":0,\"id\":\"call_s1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\"}}]", null),
                ResponsesTranslationTest.chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                        + "\"\\\"Oslo\\\"}\"}}]", "tool_calls"),
                "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,"
                        + "\"completion_tokens\":3,\"total_tokens\":8}}\n\n",
                "data: [DONE]\n\n"));

        List<ResponseStreamEvent> events = streamAll(ask("deepseek-flash").addTool(weatherTool()).build());

        assertThat(events.stream().filter(ResponseStreamEvent::isFunctionCallArgumentsDelta)
                .map(e -> e.asFunctionCallArgumentsDelta().delta())).containsExactly("{\"city\":", "\"Oslo\"}");
        ResponseFunctionToolCall call = events.stream().filter(ResponseStreamEvent::isOutputItemDone)
                .map(e -> e.asOutputItemDone().item()).filter(ResponseOutputItem::isFunctionCall).findFirst()
                .orElseThrow().asFunctionCall();
        assertThat(call.callId()).isEqualTo("call_s1");
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Oslo\"}");
        Response completed = events.get(events.size() - 1).asCompleted().response();
        assertThat(completed.output()).hasSize(2);
        assertThat(completed.usage().orElseThrow().totalTokens()).isEqualTo(8);
    }

    @Test
    void aCustomToolGoesBothWaysAndAStreamWithoutUsageStillHasUsage() throws Exception {
        CustomTool applyPatch = CustomTool.builder().name("apply_patch").description("Edit files.")
                .format(CustomToolInputFormat.Grammar.builder().syntax(CustomToolInputFormat.Grammar.Syntax.LARK)
                        .definition("start: \"*** Begin Patch\" /(.|\\n)*/").build())
                .build();
        UPSTREAM.enqueue("deepseek", Answer.stream(0,
                ResponsesTranslationTest.chunk("\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_p1\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"apply_patch\",\"arguments\":\"{\\\"input\\\":\"}}]",
                        null),
                ResponsesTranslationTest.chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                        + "\"\\\"*** Begin Patch\\\\n*** End Patch\\\"}\"}}]", "tool_calls"),
                "data: [DONE]\n\n"));

        List<ResponseStreamEvent> events = streamAll(ask("deepseek-flash").addTool(applyPatch).build());

        JsonNode sent = UPSTREAM.last("deepseek").json();
        assertThat(sent.path("tools").path(0).path("function").path("name").asText()).isEqualTo("apply_patch");
        assertThat(sent.path("tools").path(0).path("function").path("description").asText()).contains("*** Begin Patch");
        assertThat(events.stream().filter(ResponseStreamEvent::isCustomToolCallInputDelta)
                .map(e -> e.asCustomToolCallInputDelta().delta())).containsExactly("*** Begin Patch\n*** End Patch");
        ResponseCustomToolCall call = events.stream().filter(ResponseStreamEvent::isOutputItemDone)
                .map(e -> e.asOutputItemDone().item()).filter(ResponseOutputItem::isCustomToolCall).findFirst()
                .orElseThrow().asCustomToolCall();
        assertThat(call.callId()).isEqualTo("call_p1");
        assertThat(call.name()).isEqualTo("apply_patch");
        assertThat(call.input()).isEqualTo("*** Begin Patch\n*** End Patch");
        Response completed = events.get(events.size() - 1).asCompleted().response();
        completed.validate();
        assertThat(completed.usage().orElseThrow().totalTokens()).as("estimated: the provider sent none").isPositive();

        Response next = SDK.responses().create(ResponseCreateParams.builder().model("deepseek-flash").store(false)
                .addTool(applyPatch).inputOfResponse(List.of(
                        ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                                .role(EasyInputMessage.Role.USER).content("patch it").build()),
                        ResponseInputItem.ofCustomToolCall(call),
                        ResponseInputItem.ofCustomToolCallOutput(ResponseCustomToolCallOutput.builder()
                                .callId(call.callId()).output("Success.").build())))
                .build());

        assertThat(text(next)).isEqualTo("answer from deepseek");
        JsonNode messages = UPSTREAM.last("deepseek").json().path("messages");
        JsonNode replayed = messages.path(1).path("tool_calls").path(0);
        assertThat(replayed.path("id").asText()).isEqualTo("call_p1");
        assertThat(JSON.readTree(replayed.path("function").path("arguments").asText()).path("input").asText())
                .isEqualTo("*** Begin Patch\n*** End Patch");
        assertThat(messages.path(2).path("role").asText()).isEqualTo("tool");
        assertThat(messages.path(2).path("tool_call_id").asText()).isEqualTo("call_p1");
        assertThat(messages.path(2).path("content").asText()).isEqualTo("Success.");
    }

    @Test
    void jsonSchemaOutputReachesTheProviderAsResponseFormat() {
        UPSTREAM.enqueue("qwen", Answer.json(200, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":\"{\\\"name\\\":\\\"Ada\\\"}\"}}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":5,\"total_tokens\":10}}"));

        Response response = SDK.responses().create(ask("qwen-plus")
                .reasoning(Reasoning.builder().effort(ReasoningEffort.LOW).build()).maxOutputTokens(300)
                .text(ResponseTextConfig.builder().format(ResponseFormatTextJsonSchemaConfig.builder().name("person")
                        .strict(true).schema(ResponseFormatTextJsonSchemaConfig.Schema.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of("name", Map.of("type", "string"))))
                                .build()).build()).build())
                .build());

        assertThat(text(response)).isEqualTo("{\"name\":\"Ada\"}");
        JsonNode sent = UPSTREAM.last("qwen").json();
        assertThat(sent.path("response_format").path("type").asText()).isEqualTo("json_schema");
        assertThat(sent.path("response_format").path("json_schema").path("name").asText()).isEqualTo("person");
        assertThat(sent.path("response_format").path("json_schema").path("schema").path("properties").has("name")).isTrue();
        assertThat(sent.path("reasoning_effort").asText()).isEqualTo("low");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(300);
        assertThat(response.maxOutputTokens()).hasValue(300L);
    }

    @Test
    void usageAndCostAreInTheLedger() throws Exception {
        HttpResponse<String> response = post(RESPONSES, "{\"model\":\"deepseek-flash\",\"input\":\"hi\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = LedgerRows.requestIds(List.of(response));
        assertThat(LedgerRows.awaitStatuses(db, ids)).containsEntry(ids.get(0), 200);
        Map<String, Object> row = db.queryForMap("select path, prompt_tokens, completion_tokens, cost from usage_record "
                + "where request_id = ?", ids.get(0));
        assertThat(row.get("path")).isEqualTo(RESPONSES);
        assertThat(((Number) row.get("prompt_tokens")).longValue()).isEqualTo(11);
        assertThat(((Number) row.get("completion_tokens")).longValue()).isEqualTo(7);
        assertThat((BigDecimal) row.get("cost")).isPositive();
    }

    @Test
    void aRealCodexToolTurnStreamsAndTheLogLineNamesTheDroppedWebSearch(CapturedOutput output) throws Exception {
        HttpResponse<String> response = post(RESPONSES, ResponsesTranslationTest.fixture("codex-tool-turn-request.json"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        List<JsonNode> events = new ArrayList<>();
        for (String event : response.body().split("\n\n")) {
            events.add(JSON.readTree(event.substring(event.indexOf("data: ") + "data: ".length())));
        }
        assertThat(events.get(0).path("type").asText()).isEqualTo("response.created");
        JsonNode completed = events.get(events.size() - 1);
        assertThat(completed.path("type").asText()).isEqualTo("response.completed");
        assertThat(completed.path("response").path("usage").path("total_tokens").asInt()).isEqualTo(13);
        JsonNode sent = UPSTREAM.last("deepseek").json();
        assertThat(sent.path("model").asText()).isEqualTo("deepseek-flash");
        assertThat(sent.path("messages").path(sent.path("messages").size() - 1).path("tool_call_id").asText())
                .isEqualTo("call_1");
        assertLogged(output, "request_id=" + response.headers().firstValue("x-request-id").orElseThrow()
                + " .*path=/v1/responses status=200 .*model=deepseek/deepseek-flash .*dropped_tools=web_search "
                + ".*prompt_tokens=9 completion_tokens=4 .*stream=true");
    }

    @Test
    void errorsComeInTheOpenAiShape() {
        failEveryAttempt("glm", Answer.json(500, "{\"error\":{\"message\":\"boom\"}}"));
        assertError(post(RESPONSES, "{\"model\":\"glm/m\",\"input\":\"hi\"}"), 502, "upstream_error");
        assertError(post(RESPONSES, "{\"model\":\"no-such-model\",\"input\":\"hi\"}"), 404, "model_not_found");
        assertError(post(RESPONSES, "{\"model\":\"glm/m\"}"), 400, "missing_required_parameter");
        HttpResponse<String> noTokens = post(RESPONSES, "{\"model\":\"glm/m\",\"input\":\"hi\",\"max_output_tokens\":0}");
        assertError(noTokens, 400, "integer_below_min_value");
        assertThat(noTokens.body()).contains("\"param\":\"max_output_tokens\"").doesNotContain("max_tokens'");

        assertThatThrownBy(() -> SDK.responses().create(ask("glm/m").previousResponseId("resp_earlier").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.code()).hasValue("unsupported_parameter");
                    assertThat(e.param()).hasValue("previous_response_id");
                });
        assertThat(UPSTREAM.received("glm")).as("only the failing request reached the provider").hasSize(ATTEMPTS);
    }

    @Test
    void aFailedProviderFallsBackBeforeTheFirstByte() {
        UPSTREAM.enqueue("flaky", Answer.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));

        List<ResponseStreamEvent> events = streamAll(ask("flaky-model").build());

        assertThat(deltas(events)).isEqualTo("Hello world");
        assertThat(events.get(events.size() - 1).isCompleted()).isTrue();
        assertThat(UPSTREAM.last("qwen").json().path("model").asText()).isEqualTo("qwen-plus");
    }

    @Test
    void aSpentBudgetGets429() {
        OpenAIClient capped = sdk(CAPPED_KEY);
        assertThatThrownBy(() -> capped.responses().create(ask("deepseek-flash").maxOutputTokens(1_000_000).build()))
                .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.code()).hasValue("insufficient_quota");
                });
        capped.close();
    }

    @Test
    void theAnthropicStyleKeyHeaderAuthenticates() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(RESPONSES)).header("x-api-key", CLIENT_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"glm-5.3-flash\",\"input\":\"hi\"}")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response).path("object").asText()).isEqualTo("response");
        assertError(send(HttpRequest.newBuilder(uri(RESPONSES)).header("x-api-key", "sk-wrong")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"glm-5.3-flash\",\"input\":\"hi\"}"))),
                401, "invalid_api_key");
    }

    @Test
    void aStreamThatFailsMidwayEndsWithResponseFailed() {
        UPSTREAM.enqueue("qwen", Answer.stream(50, ResponsesTranslationTest.chunk("\"content\":\"part\"", null))
                .droppingAtEnd());

        List<ResponseStreamEvent> events = streamAll(ask("qwen-plus").build());

        assertThat(deltas(events)).isEqualTo("part");
        ResponseStreamEvent last = events.get(events.size() - 1);
        assertThat(last.isFailed()).as(last.toString()).isTrue();
        Response failed = last.asFailed().response();
        assertThat(failed.status()).hasValueSatisfying(s -> assertThat(s.asString()).isEqualTo("failed"));
        assertThat(failed.error().orElseThrow().message()).contains("qwen");
        FakeProviders.Received sent = UPSTREAM.last("qwen");
        assertThat(sent.json().path("stream").asBoolean()).isTrue();
    }
}
