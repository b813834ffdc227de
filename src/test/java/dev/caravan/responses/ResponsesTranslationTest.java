package dev.caravan.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.request.ClientRequest;
import dev.caravan.request.GatewayRequest;
import dev.caravan.testing.ChatStreams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The translation alone: a Responses request in, the chat completion out, and the answer or its stream back. */
class ResponsesTranslationTest {

    private static final CamelContext CAMEL = new DefaultCamelContext();

    /** What Codex sends, in short: instructions, a turn with reasoning and two calls, namespaced tools, web search. */
    private static final String CODEX_LIKE = """
            {"model":"deepseek-flash","instructions":"You are Codex.","stream":true,"store":false,
             "include":["reasoning.encrypted_content"],"prompt_cache_key":"c1","parallel_tool_calls":true,
             "tool_choice":"auto","reasoning":{"effort":"high","summary":"auto"},
             "input":[
              {"type":"message","role":"developer","content":[{"type":"input_text","text":"sandbox: none"}]},
              {"role":"user","content":[{"type":"input_text","text":"list files"}]},
              {"type":"reasoning","summary":[{"type":"summary_text","text":"I should look."}],
               "encrypted_content":"opaque"},
              {"type":"function_call","call_id":"call_1","name":"shell","arguments":"{\\"command\\":[\\"ls\\"]}"},
              {"type":"function_call","call_id":"call_2","name":"spawn_agent","namespace":"multi_agent_v1",
               "arguments":"{}"},
              {"type":"function_call_output","call_id":"call_1","output":"a.txt"},
              {"type":"function_call_output","call_id":"call_2",
               "output":[{"type":"input_text","text":"agent"},{"type":"input_text","text":"started"}]},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Done."}]}
             ],
             "tools":[
              {"type":"function","name":"shell","description":"Runs a command","strict":false,
               "parameters":{"type":"object","properties":{"command":{"type":"array"}}}},
              {"type":"namespace","name":"multi_agent_v1","description":"Agents","tools":[
                {"type":"function","name":"spawn_agent","strict":false,"parameters":{"type":"object"}}]},
              {"type":"web_search","external_web_access":false},
              {"type":"custom","name":"apply_patch","format":{"type":"grammar","syntax":"lark","definition":"x"}}
             ]}
            """;

    @AfterAll
    static void stopCamel() throws Exception {
        CAMEL.close();
    }

    record Translated(JsonNode chat, ResponsesTranslation translation) {
    }

    static Translated translate(String request) {
        Exchange exchange = new DefaultExchange(CAMEL);
        exchange.getMessage().setBody(request.getBytes(StandardCharsets.UTF_8));
        GatewayRequest state = ClientRequest.identify(exchange, ClientRequest.newId());
        new ResponsesRequest().process(exchange);
        OpenAiRequest chat = exchange.getMessage().getBody(OpenAiRequest.class);
        return new Translated(json(new String(chat.raw(), StandardCharsets.UTF_8)),
                (ResponsesTranslation) state.translation());
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aCodexRequestBecomesOneChatCompletion() {
        Translated t = translate(CODEX_LIKE);
        JsonNode chat = t.chat();

        assertThat(chat.path("model").asText()).isEqualTo("deepseek-flash");
        JsonNode messages = chat.path("messages");
        assertThat(messages.findValuesAsText("role"))
                .containsExactly("system", "user", "assistant", "tool", "tool", "assistant");
        assertThat(messages.path(0).path("content").asText()).isEqualTo("You are Codex.\n\nsandbox: none");
        assertThat(messages.path(1).path("content").asText()).isEqualTo("list files");
        JsonNode turn = messages.path(2);
        assertThat(turn.path("reasoning_content").asText()).isEqualTo("I should look.");
        assertThat(turn.path("tool_calls").findValuesAsText("id")).containsExactly("call_1", "call_2");
        assertThat(turn.path("tool_calls").findValuesAsText("name"))
                .containsExactly("shell", "multi_agent_v1__spawn_agent");
        assertThat(turn.path("tool_calls").path(0).path("function").path("arguments").asText())
                .isEqualTo("{\"command\":[\"ls\"]}");
        assertThat(messages.path(3).path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(messages.path(3).path("content").asText()).isEqualTo("a.txt");
        assertThat(messages.path(4).path("content").asText()).isEqualTo("agent\nstarted");
        assertThat(messages.path(5).path("content").asText()).isEqualTo("Done.");
        assertThat(messages.path(5).has("reasoning_content")).isFalse();

        assertThat(functionNames(chat.path("tools"))).containsExactly("shell", "multi_agent_v1__spawn_agent",
                "apply_patch");
        assertThat(chat.path("tools").path(0).path("function").path("description").asText()).isEqualTo("Runs a command");
        assertThat(chat.path("tool_choice").asText()).isEqualTo("auto");
        assertThat(chat.path("parallel_tool_calls").asBoolean()).isTrue();
        assertThat(chat.path("reasoning_effort").asText()).isEqualTo("high");
        assertThat(chat.path("stream").asBoolean()).isTrue();
        assertThat(chat.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(chat.has("store") || chat.has("include") || chat.has("prompt_cache_key") || chat.has("reasoning"))
                .as("only what chat completions understand").isFalse();
        assertThat(t.translation().droppedTools()).isEqualTo("web_search");
    }

    /** A request Codex CLI 0.171 sent (src/test/resources/agents/README.md). */
    static String fixture(String name) {
        try (var in = ResponsesTranslationTest.class.getResourceAsStream("/agents/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> functionNames(JsonNode chatTools) {
        List<String> names = new ArrayList<>();
        chatTools.forEach(tool -> names.add(tool.path("function").path("name").asText()));
        return names;
    }

    @Test
    void theRequestsCodexSendsTranslate() {
        Translated first = translate(fixture("codex-request.json"));
        JsonNode chat = first.chat();

        assertThat(chat.path("model").asText()).isEqualTo("deepseek/deepseek-flash");
        assertThat(functionNames(chat.path("tools"))).containsExactly("exec_command", "write_stdin",
                "request_user_input", "view_image", "multi_agent_v1__close_agent", "multi_agent_v1__resume_agent",
                "multi_agent_v1__send_input", "multi_agent_v1__spawn_agent", "multi_agent_v1__wait_agent", "get_goal",
                "create_goal", "update_goal");
        assertThat(chat.path("tools").path(7).path("function").path("parameters").path("type").asText())
                .isEqualTo("object");
        assertThat(first.translation().droppedTools()).isEqualTo("web_search");
        assertThat(chat.path("messages").findValuesAsText("role")).containsExactly("system", "user", "user");
        assertThat(chat.path("messages").path(1).path("content").isTextual()).as("text parts as one string").isTrue();
        assertThat(chat.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(chat.has("client_metadata") || chat.has("include") || chat.has("prompt_cache_key")
                || chat.has("store")).isFalse();

        JsonNode turn = translate(fixture("codex-tool-turn-request.json")).chat().path("messages");
        JsonNode call = turn.path(turn.size() - 2);
        assertThat(call.path("role").asText()).isEqualTo("assistant");
        assertThat(call.path("tool_calls").path(0).path("id").asText()).isEqualTo("call_1");
        assertThat(call.path("tool_calls").path(0).path("function").path("name").asText()).isEqualTo("exec_command");
        JsonNode output = turn.path(turn.size() - 1);
        assertThat(output.path("role").asText()).isEqualTo("tool");
        assertThat(output.path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(output.path("content").asText()).startsWith("Chunk ID:");
    }

    @Test
    void optionsAndStructuredOutputCarryOver() {
        JsonNode chat = translate("""
                {"model":"m","input":"hi","max_output_tokens":100,"temperature":0.3,"top_p":0.9,"user":"u1",
                 "metadata":{"k":"v"},"text":{"format":{"type":"json_schema","name":"person","strict":true,
                 "schema":{"type":"object","properties":{"name":{"type":"string"}}}}},
                 "tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"f"}}
                """).chat();

        assertThat(chat.path("messages").path(0).path("role").asText()).isEqualTo("user");
        assertThat(chat.path("messages").path(0).path("content").asText()).isEqualTo("hi");
        assertThat(chat.path("max_tokens").asInt()).isEqualTo(100);
        assertThat(chat.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(chat.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(chat.path("user").asText()).isEqualTo("u1");
        assertThat(chat.has("metadata")).isFalse();
        JsonNode format = chat.path("response_format");
        assertThat(format.path("type").asText()).isEqualTo("json_schema");
        assertThat(format.path("json_schema").path("name").asText()).isEqualTo("person");
        assertThat(format.path("json_schema").path("strict").asBoolean()).isTrue();
        assertThat(format.path("json_schema").path("schema").path("type").asText()).isEqualTo("object");
        assertThat(chat.path("tool_choice").path("function").path("name").asText()).isEqualTo("f");
        assertThat(chat.has("stream")).isFalse();

        assertThat(translate("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_object\"}}}")
                .chat().path("response_format").path("type").asText()).isEqualTo("json_object");
    }

    @Test
    void imagesAndOnlyBuiltInToolsTranslate() {
        Translated t = translate("""
                {"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"what is it?"},
                 {"type":"input_image","image_url":"data:image/png;base64,AAAA","detail":"low"}]}],
                 "tools":[{"type":"web_search_preview"},{"type":"file_search","vector_store_ids":["v"]}],
                 "tool_choice":"auto"}
                """);

        JsonNode parts = t.chat().path("messages").path(0).path("content");
        assertThat(parts.path(0).path("type").asText()).isEqualTo("text");
        assertThat(parts.path(1).path("image_url").path("url").asText()).isEqualTo("data:image/png;base64,AAAA");
        assertThat(parts.path(1).path("image_url").path("detail").asText()).isEqualTo("low");
        assertThat(t.chat().has("tools") || t.chat().has("tool_choice")).as("no empty tool list").isFalse();
        assertThat(t.translation().droppedTools()).isEqualTo("web_search_preview,file_search");
    }

    @Test
    void serverStateIsRefusedSayingCaravanIsStateless() {
        for (String member : List.of("\"previous_response_id\":\"resp_1\"", "\"store\":true", "\"background\":true",
                "\"conversation\":\"conv_1\"")) {
            String param = member.substring(1, member.indexOf('"', 1));
            assertThatThrownBy(() -> translate("{\"model\":\"m\",\"input\":\"hi\"," + member + "}"))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.error().status()).isEqualTo(400);
                        assertThat(e.error().code()).isEqualTo("unsupported_parameter");
                        assertThat(e.error().param()).isEqualTo(param);
                        assertThat(e.error().message()).contains("stateless").contains("'store': false");
                    });
        }
    }

    @Test
    void invalidRequestsGetClearErrors() {
        assertInvalid("{not json", "invalid_json", null);
        assertInvalid("[1]", "invalid_json", null);
        assertInvalid("{\"model\":\"m\"}", "missing_required_parameter", "input");
        assertInvalid("{\"input\":\"hi\"}", "missing_required_parameter", "model");
        assertInvalid("{\"model\":\"\",\"input\":\"hi\"}", "missing_required_parameter", "model");
        assertInvalid("{\"model\":7,\"input\":\"hi\"}", "invalid_type", "model");
        assertInvalid("{\"model\":\"m\",\"input\":7}", "invalid_type", "input");
        assertInvalid("{\"model\":\"m\",\"input\":[{\"role\":\"king\",\"content\":\"x\"}]}", "invalid_value",
                "input[0].role");
        assertInvalid("{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}",
                "missing_required_parameter", "input[0].call_id");
        assertInvalid("{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}", "invalid_value",
                "input[0].type");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"temperature\":\"hot\"}", "invalid_type", "temperature");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"tools\":{}}", "invalid_type", "tools");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}", "integer_below_min_value",
                "max_output_tokens");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":-5}", "integer_below_min_value",
                "max_output_tokens");
        assertInvalid("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":2.5}", "invalid_type",
                "max_output_tokens");
    }

    private static void assertInvalid(String request, String code, String param) {
        assertThatThrownBy(() -> translate(request)).as(request).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.error().status()).isEqualTo(400);
            assertThat(e.error().code()).isEqualTo(code);
            assertThat(e.error().param()).isEqualTo(param);
        });
    }

    @Test
    void aChatAnswerBecomesAResponse() {
        ResponsesTranslation translation = translate(CODEX_LIKE.replace("\"stream\":true,", "")).translation();
        JsonNode response = json(new String(translation.answer(json("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"deepseek-flash",
                 "choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant",
                  "content":"Spawning.","reasoning_content":"Need an agent.","tool_calls":[
                   {"id":"call_9","type":"function","function":{"name":"multi_agent_v1__spawn_agent","arguments":"{}"}},
                   {"id":"call_10","type":"function","function":{"name":"shell","arguments":"{\\"command\\":[]}"}}]}}],
                 "usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,
                  "prompt_tokens_details":{"cached_tokens":64},"completion_tokens_details":{"reasoning_tokens":5}}}
                """)), StandardCharsets.UTF_8));

        assertThat(response.path("id").asText()).startsWith("resp_");
        assertThat(response.path("object").asText()).isEqualTo("response");
        assertThat(response.path("status").asText()).isEqualTo("completed");
        assertThat(response.path("model").asText()).isEqualTo("deepseek-flash");
        assertThat(response.path("store").asBoolean(true)).isFalse();
        assertThat(response.path("tools").size()).as("tools echoed as sent").isEqualTo(4);
        JsonNode output = response.path("output");
        assertThat(types(output)).containsExactly("reasoning", "message", "function_call", "function_call");
        assertThat(output.path(0).path("summary").path(0).path("text").asText()).isEqualTo("Need an agent.");
        assertThat(output.path(1).path("content").path(0).path("text").asText()).isEqualTo("Spawning.");
        JsonNode spawn = output.path(2);
        assertThat(spawn.path("id").asText()).startsWith("fc_");
        assertThat(spawn.path("call_id").asText()).isEqualTo("call_9");
        assertThat(spawn.path("name").asText()).isEqualTo("spawn_agent");
        assertThat(spawn.path("namespace").asText()).isEqualTo("multi_agent_v1");
        assertThat(output.path(3).path("name").asText()).isEqualTo("shell");
        assertThat(output.path(3).has("namespace")).isFalse();
        JsonNode usage = response.path("usage");
        assertThat(usage.path("input_tokens").asInt()).isEqualTo(100);
        assertThat(usage.path("input_tokens_details").path("cached_tokens").asInt()).isEqualTo(64);
        assertThat(usage.path("output_tokens").asInt()).isEqualTo(20);
        assertThat(usage.path("output_tokens_details").path("reasoning_tokens").asInt()).isEqualTo(5);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(120);

        JsonNode cut = json(new String(translation.answer(json("{\"choices\":[{\"index\":0,\"finish_reason\":\"length\","
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Trunc\"}}]}")),
                StandardCharsets.UTF_8));
        assertThat(cut.path("status").asText()).isEqualTo("incomplete");
        assertThat(cut.path("incomplete_details").path("reason").asText()).isEqualTo("max_output_tokens");
    }

    /** The types of the items of an array. */
    static List<String> types(JsonNode items) {
        List<String> types = new ArrayList<>();
        items.forEach(item -> types.add(item.path("type").asText()));
        return types;
    }

    /** Chat events written by the relay, whole, as the translated stream receives them. */
    static List<JsonNode> translateStream(ResponsesTranslation translation, String... chatEvents) {
        List<JsonNode> events = new ArrayList<>();
        String sse = ChatStreams.through(translation, java.util.Arrays.stream(chatEvents)
                .map(e -> e.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new));
        for (String event : sse.split("\n\n")) {
            String[] lines = event.split("\n");
            JsonNode data = json(lines[1].substring("data: ".length()));
            assertThat(lines[0]).isEqualTo("event: " + data.path("type").asText());
            events.add(data);
        }
        return events;
    }

    static String chunk(String delta, String finishReason) {
        return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{" + delta
                + "},\"finish_reason\":" + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}\n\n";
    }

    @Test
    void aChatStreamBecomesResponsesEventsAsItComes() {
        ResponsesTranslation translation = translate(CODEX_LIKE).translation();
        List<JsonNode> events = translateStream(translation,
                chunk("\"role\":\"assistant\",\"reasoning_content\":\"Hmm\"", null),
                chunk("\"reasoning_content\":\", yes\"", null),
                chunk("\"content\":\"Let me \"", null),
                chunk("\"content\":\"check.\"", null),
                chunk("\"tool_calls\":[{\"index\":0,\"id\":\"call_7\",\"type\":\"function\",\"function\":{"
                        + "\"name\":\"multi_agent_v1__spawn_agent\",\"arguments\":\"\"}}]", null),
                chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":\"}}]", null),
                chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]", "tool_calls"),
                "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,"
                        + "\"total_tokens\":13}}\n\n",
                "data: [DONE]\n\n");

        assertThat(events.stream().map(e -> e.path("type").asText())).containsExactly(
                "response.created", "response.in_progress",
                "response.output_item.added", "response.reasoning_summary_part.added",
                "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                "response.output_item.done",
                "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done",
                "response.completed");
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
        }
        assertThat(events.get(0).path("response").path("status").asText()).isEqualTo("in_progress");
        assertThat(events.get(4).path("delta").asText()).isEqualTo("Hmm");
        assertThat(events.get(6).path("text").asText()).isEqualTo("Hmm, yes");
        JsonNode textDelta = events.get(11);
        assertThat(textDelta.path("item_id").asText()).isEqualTo(events.get(9).path("item").path("id").asText());
        assertThat(textDelta.path("output_index").asInt()).isEqualTo(1);
        assertThat(textDelta.path("content_index").asInt()).isZero();
        assertThat(events.get(13).path("text").asText()).isEqualTo("Let me check.");
        JsonNode added = events.get(16).path("item");
        assertThat(added.path("call_id").asText()).isEqualTo("call_7");
        assertThat(added.path("name").asText()).isEqualTo("spawn_agent");
        assertThat(added.path("namespace").asText()).isEqualTo("multi_agent_v1");
        assertThat(events.get(19).path("arguments").asText()).isEqualTo("{\"a\":1}");
        JsonNode call = events.get(20).path("item");
        assertThat(call.path("arguments").asText()).isEqualTo("{\"a\":1}");
        assertThat(call.path("status").asText()).isEqualTo("completed");
        assertThat(call.path("id").asText()).isEqualTo(added.path("id").asText());

        JsonNode completed = events.get(21).path("response");
        assertThat(completed.path("id").asText()).isEqualTo(events.get(0).path("response").path("id").asText());
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(types(completed.path("output"))).containsExactly("reasoning", "message", "function_call");
        assertThat(completed.path("output").path(1).path("content").path(0).path("text").asText())
                .isEqualTo("Let me check.");
        assertThat(completed.path("usage").path("total_tokens").asInt()).isEqualTo(13);
    }

    @Test
    void aStreamThatFailsOrIsCutShortEndsWithResponseFailed() {
        ResponsesTranslation translation = translate(CODEX_LIKE).translation();
        List<JsonNode> failed = translateStream(translation, chunk("\"content\":\"par\"", null),
                "data: {\"error\":{\"message\":\"qwen timed out\",\"type\":\"upstream_error\",\"param\":null,"
                        + "\"code\":\"upstream_timeout\"}}\n\n");

        JsonNode last = failed.get(failed.size() - 1);
        assertThat(last.path("type").asText()).isEqualTo("response.failed");
        assertThat(last.path("response").path("status").asText()).isEqualTo("failed");
        assertThat(last.path("response").path("error").path("code").asText()).isEqualTo("upstream_timeout");
        assertThat(last.path("response").path("error").path("message").asText()).isEqualTo("qwen timed out");
        assertThat(failed.stream().map(e -> e.path("type").asText()))
                .as("a partial item is not given as done").doesNotContain("response.output_item.done");

        List<JsonNode> cut = translateStream(translation, chunk("\"content\":\"par\"", null));
        assertThat(cut.get(cut.size() - 1).path("response").path("error").path("code").asText())
                .isEqualTo("upstream_error");
    }

    // ---- custom (free-form) tools

    /** Codex's apply_patch for gpt-5 models, a custom tool in a namespace, and a turn that called both. */
    private static final String CUSTOM_TOOLS = """
            {"model":"m","stream":STREAM,"tool_choice":{"type":"custom","name":"apply_patch"},
             "input":[
              {"role":"user","content":"fix it"},
              {"type":"custom_tool_call","status":"completed","call_id":"call_p","name":"apply_patch",
               "input":"*** Begin Patch\\n*** End Patch\\n"},
              {"type":"custom_tool_call","call_id":"call_q","name":"run","namespace":"js","input":"1+1"},
              {"type":"custom_tool_call_output","call_id":"call_p","output":"Done!"},
              {"type":"custom_tool_call_output","call_id":"call_q","output":"2"}
             ],
             "tools":[
              {"type":"custom","name":"apply_patch","description":"Edit files. FREEFORM: not JSON.",
               "format":{"type":"grammar","syntax":"lark","definition":"start: begin_patch hunk+ end_patch"}},
              {"type":"namespace","name":"js","description":"JavaScript","tools":[
                {"type":"custom","name":"run","description":"Runs code","format":{"type":"text"}}]},
              {"type":"function","name":"shell","parameters":{"type":"object"}}
             ]}
            """;

    static Translated customTools(boolean stream) {
        return translate(CUSTOM_TOOLS.replace("STREAM", String.valueOf(stream)));
    }

    @Test
    void customToolsBecomeFunctionsTakingTheirInputAsOneString() {
        Translated t = customTools(false);
        JsonNode chat = t.chat();

        assertThat(functionNames(chat.path("tools"))).containsExactly("apply_patch", "js__run", "shell");
        JsonNode patch = chat.path("tools").path(0).path("function");
        assertThat(patch.path("parameters").path("properties").path("input").path("type").asText()).isEqualTo("string");
        assertThat(patch.path("parameters").path("required")).containsExactly(Json.MAPPER.getNodeFactory().textNode("input"));
        assertThat(patch.path("description").asText()).startsWith("Edit files. FREEFORM: not JSON.")
                .contains("'input'").contains("lark grammar").endsWith("start: begin_patch hunk+ end_patch");
        assertThat(chat.path("tools").path(1).path("function").path("description").asText()).startsWith("Runs code")
                .doesNotContain("grammar");
        assertThat(chat.path("tool_choice").path("function").path("name").asText()).isEqualTo("apply_patch");
        assertThat(t.translation().droppedTools()).isNull();

        JsonNode messages = chat.path("messages");
        assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant", "tool", "tool");
        JsonNode calls = messages.path(1).path("tool_calls");
        assertThat(calls.findValuesAsText("id")).containsExactly("call_p", "call_q");
        assertThat(calls.findValuesAsText("name")).containsExactly("apply_patch", "js__run");
        assertThat(json(calls.path(0).path("function").path("arguments").asText()).path("input").asText())
                .isEqualTo("*** Begin Patch\n*** End Patch\n");
        assertThat(json(calls.path(1).path("function").path("arguments").asText()).path("input").asText())
                .isEqualTo("1+1");
        assertThat(messages.path(2).path("tool_call_id").asText()).isEqualTo("call_p");
        assertThat(messages.path(2).path("content").asText()).isEqualTo("Done!");
        assertThat(messages.path(3).path("tool_call_id").asText()).isEqualTo("call_q");
    }

    @Test
    void aCallOfACustomToolComesBackAsACustomToolCall() {
        ResponsesTranslation translation = customTools(false).translation();
        JsonNode response = json(new String(translation.answer(json("""
                {"choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
                 "tool_calls":[
                  {"id":"call_a","type":"function","function":{"name":"apply_patch",
                   "arguments":"{\\"input\\":\\"*** Begin Patch\\\\n*** End Patch\\"}"}},
                  {"id":"call_b","type":"function","function":{"name":"js__run","arguments":"1+1"}},
                  {"id":"call_c","type":"function","function":{"name":"shell","arguments":"{}"}}]}}],
                 "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}
                """)), StandardCharsets.UTF_8));

        JsonNode output = response.path("output");
        assertThat(types(output)).containsExactly("custom_tool_call", "custom_tool_call", "function_call");
        JsonNode patch = output.path(0);
        assertThat(patch.path("id").asText()).startsWith("ctc_");
        assertThat(patch.path("call_id").asText()).isEqualTo("call_a");
        assertThat(patch.path("name").asText()).isEqualTo("apply_patch");
        assertThat(patch.path("input").asText()).isEqualTo("*** Begin Patch\n*** End Patch");
        assertThat(patch.path("status").asText()).isEqualTo("completed");
        assertThat(patch.has("arguments") || patch.has("namespace")).isFalse();
        JsonNode run = output.path(1);
        assertThat(run.path("name").asText()).isEqualTo("run");
        assertThat(run.path("namespace").asText()).isEqualTo("js");
        assertThat(run.path("input").asText()).as("arguments that are not JSON, as they are").isEqualTo("1+1");
        assertThat(output.path(2).path("arguments").asText()).isEqualTo("{}");
    }

    @Test
    void aStreamedCustomToolCallSendsItsInputAsItComesAnEscapeCutInTwoWaitingForItsEnd() {
        ResponsesTranslation translation = customTools(true).translation();
        List<JsonNode> events = translateStream(translation,
                chunk("\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"apply_patch\",\"arguments\":\"\"}}]", null),
                chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"input\\\":\\\"*** Begin\\\\\"}}]",
                        null),
                chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"n\\\"}\"}}]", null),
                chunk("\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{"
                        + "\"name\":\"shell\",\"arguments\":\"{}\"}}]", "tool_calls"),
                "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,"
                        + "\"total_tokens\":13}}\n\n",
                "data: [DONE]\n\n");

        assertThat(events.stream().map(e -> e.path("type").asText())).containsExactly(
                "response.created", "response.in_progress",
                "response.output_item.added",
                "response.custom_tool_call_input.delta", "response.custom_tool_call_input.delta",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.custom_tool_call_input.done", "response.output_item.done",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed");
        JsonNode added = events.get(2).path("item");
        assertThat(added.path("type").asText()).isEqualTo("custom_tool_call");
        assertThat(added.path("id").asText()).startsWith("ctc_");
        assertThat(added.path("call_id").asText()).isEqualTo("call_a");
        assertThat(added.path("name").asText()).isEqualTo("apply_patch");
        assertThat(added.path("input").asText()).isEmpty();
        JsonNode delta = events.get(3);
        assertThat(delta.path("item_id").asText()).isEqualTo(added.path("id").asText());
        assertThat(delta.path("output_index").asInt()).isZero();
        assertThat(delta.path("delta").asText()).isEqualTo("*** Begin");
        assertThat(events.get(4).path("delta").asText()).isEqualTo("\n");
        assertThat(events.get(7).path("input").asText()).isEqualTo("*** Begin\n");
        JsonNode done = events.get(8).path("item");
        assertThat(done.path("type").asText()).isEqualTo("custom_tool_call");
        assertThat(done.path("input").asText()).isEqualTo("*** Begin\n");
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(types(events.get(events.size() - 1).path("response").path("output")))
                .containsExactly("custom_tool_call", "function_call");
    }

    // ---- a history every chat provider takes

    @Test
    void systemAndDeveloperMessagesAnywhereJoinOneSystemMessageAtTheStart() {
        JsonNode messages = translate("""
                {"model":"m","instructions":"Be brief.","input":[
                  {"role":"developer","content":[{"type":"input_text","text":"sandbox: none"}]},
                  {"role":"user","content":"ls"},
                  {"type":"function_call","call_id":"call_1","name":"shell","arguments":"{}"},
                  {"role":"developer","content":"approvals changed"},
                  {"type":"function_call_output","call_id":"call_1","output":"a.txt"},
                  {"role":"system","content":"model switched"},
                  {"role":"user","content":"thanks"}
                ]}
                """).chat().path("messages");

        assertThat(messages.findValuesAsText("role")).containsExactly("system", "user", "assistant", "tool", "user");
        assertThat(messages.path(0).path("content").asText())
                .isEqualTo("Be brief.\n\nsandbox: none\n\napprovals changed\n\nmodel switched");
        assertThat(messages.path(2).path("tool_calls").path(0).path("id").asText()).isEqualTo("call_1");
    }

    @Test
    void textAfterToolCallsJoinsTheMessageWithTheCalls() {
        JsonNode messages = translate("""
                {"model":"m","input":[
                  {"role":"user","content":"ls"},
                  {"type":"function_call","call_id":"call_1","name":"shell","arguments":"{}"},
                  {"type":"reasoning","summary":[{"type":"summary_text","text":"And say so."}]},
                  {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Listing."}]},
                  {"type":"function_call_output","call_id":"call_1","output":"a.txt"},
                  {"type":"message","role":"assistant","content":[{"type":"output_text","text":"One file."}]}
                ]}
                """).chat().path("messages");

        assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant", "tool", "assistant");
        assertThat(messages.path(1).path("content").asText()).isEqualTo("Listing.");
        assertThat(messages.path(1).path("tool_calls").path(0).path("id").asText()).isEqualTo("call_1");
        assertThat(messages.path(1).path("reasoning_content").asText()).isEqualTo("And say so.");
        assertThat(messages.path(2).path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(messages.path(3).path("content").asText()).isEqualTo("One file.");
    }

    // ---- the answer: ids and usage

    @Test
    void toolCallsWithoutAnIdOrWithAnIdGivenTwiceGetTheirOwn() {
        ResponsesTranslation translation = translate(CODEX_LIKE.replace("\"stream\":true,", "")).translation();
        JsonNode output = json(new String(translation.answer(json("""
                {"choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","tool_calls":[
                  {"type":"function","function":{"name":"shell","arguments":"{}"}},
                  {"id":"","type":"function","function":{"name":"shell","arguments":"{}"}},
                  {"id":"call_1","type":"function","function":{"name":"shell","arguments":"{}"}},
                  {"id":"call_1","type":"function","function":{"name":"shell","arguments":"{}"}}]}}]}
                """)), StandardCharsets.UTF_8)).path("output");

        List<String> ids = output.findValuesAsText("call_id");
        assertThat(ids).hasSize(4).doesNotHaveDuplicates().allSatisfy(id -> assertThat(id).startsWith("call_"));
        assertThat(ids.get(2)).isEqualTo("call_1");

        List<JsonNode> events = translateStream(translate(CODEX_LIKE).translation(),
                chunk("\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":{\"name\":\"shell\",\"arguments\":\"{}\"}},"
                        + "{\"index\":1,\"id\":\"call_1\",\"function\":{\"name\":\"shell\",\"arguments\":\"{}\"}}]",
                        "tool_calls"),
                "data: [DONE]\n\n");
        List<String> streamed = events.get(events.size() - 1).path("response").path("output").findValuesAsText("call_id");
        assertThat(streamed).hasSize(2).doesNotHaveDuplicates().startsWith("call_1");
    }

    @Test
    void usageIsEstimatedWhenTheProviderSendsNone() {
        Translated t = translate(CODEX_LIKE.replace("\"stream\":true,", ""));
        long prompt = (t.chat().toString().length() + 2) / 3;
        JsonNode usage = json(new String(t.translation().answer(json("""
                {"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant",
                 "content":"12345678","reasoning_content":"abcd"}}]}
                """)), StandardCharsets.UTF_8)).path("usage");

        assertThat(usage.isObject()).as("usage, estimated").isTrue();
        assertThat(usage.path("input_tokens").asLong()).isCloseTo(prompt, org.assertj.core.data.Offset.offset(2L));
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(3);
        assertThat(usage.path("total_tokens").asLong())
                .isEqualTo(usage.path("input_tokens").asLong() + usage.path("output_tokens").asLong());

        List<JsonNode> events = translateStream(translate(CODEX_LIKE).translation(),
                chunk("\"content\":\"12345678\"", null),
                chunk("\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"function\":{\"name\":\"shell\","
                        + "\"arguments\":\"{}\"}}]", "tool_calls"),
                "data: [DONE]\n\n");
        JsonNode completed = events.get(events.size() - 1);
        assertThat(completed.path("type").asText()).isEqualTo("response.completed");
        JsonNode streamed = completed.path("response").path("usage");
        assertThat(streamed.path("input_tokens").asLong()).isPositive();
        assertThat(streamed.path("output_tokens").asLong()).isEqualTo(3);
        assertThat(streamed.path("total_tokens").asLong()).isEqualTo(streamed.path("input_tokens").asLong() + 3);
    }

    @Test
    void droppedToolsInTheLogLineAreBounded() {
        StringBuilder tools = new StringBuilder("{\"type\":\"web_search\"},{\"type\":\"web_search\"},"
                + "{\"type\":\"evil\\nline key=value\"},{\"type\":\"" + "x".repeat(200) + "\"}");
        for (int i = 0; i < 20; i++) {
            tools.append(",{\"type\":\"t").append(i).append("\"}");
        }
        String dropped = translate("{\"model\":\"m\",\"input\":\"hi\",\"tools\":[" + tools + "]}").translation()
                .droppedTools();

        List<String> types = List.of(dropped.split(","));
        assertThat(types).hasSize(10).doesNotHaveDuplicates()
                .allSatisfy(type -> assertThat(type).matches("[A-Za-z0-9_.-]{1,64}"));
        assertThat(types.subList(0, 4)).containsExactly("web_search", "evil_line_key_value", "x".repeat(64), "t0");
    }
}
