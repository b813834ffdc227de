package dev.caravan.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.testing.ChatStreams;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Chat completions, whole and streamed, as Anthropic messages. */
class MessagesTranslationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PingTimer PINGS = new PingTimer();
    private static final MessagesTranslation TRANSLATION = new MessagesTranslation("msg_1", "claude-alias", 42,
            List.of("END"), null, PINGS, null);

    @AfterAll
    static void stop() {
        PINGS.stop();
    }

    private static JsonNode answer(String chat) throws Exception {
        return JSON.readTree(TRANSLATION.answer(JSON.readTree(chat.replace('\'', '"'))));
    }

    @Test
    void anAnswerBecomesAMessageWithThinkingTextAndToolUse() throws Exception {
        JsonNode message = answer("""
                {'id':'chatcmpl-1','choices':[{'index':0,'finish_reason':'tool_calls','message':{'role':'assistant',
                 'content':'Let me look.','reasoning_content':'need ls','tool_calls':[
                   {'id':'call_1','type':'function','function':{'name':'Bash','arguments':'{\\\\'command\\\\':\\\\'ls\\\\'}'}},
                   {'id':'call_2','type':'function','function':{'name':'Read','arguments':'{broken'}}]}}],
                 'usage':{'prompt_tokens':100,'completion_tokens':20,'prompt_tokens_details':{'cached_tokens':60}}}"""
                .replace("\\\\'", "\\\""));

        assertThat(message).isEqualTo(JSON.readTree("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-alias","content":[
                  {"type":"thinking","thinking":"need ls","signature":""},
                  {"type":"text","text":"Let me look.","citations":null},
                  {"type":"tool_use","id":"call_1","name":"Bash","input":{"command":"ls"}},
                  {"type":"tool_use","id":"call_2","name":"Read","input":{}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":60,"output_tokens":20}}"""));
    }

    @Test
    void finishReasonsBecomeStopReasons() throws Exception {
        assertThat(stopOf("'finish_reason':'stop'")).isEqualTo("end_turn/null");
        assertThat(stopOf("'finish_reason':'length'")).isEqualTo("max_tokens/null");
        assertThat(stopOf("'finish_reason':'content_filter'")).isEqualTo("refusal/null");
        assertThat(stopOf("'finish_reason':'stop','stop_reason':'END'")).isEqualTo("stop_sequence/END");
        assertThat(stopOf("'finish_reason':'stop','stop_reason':151643")).isEqualTo("end_turn/null");
        JsonNode noUsage = answer("{'choices':[{'finish_reason':'stop','message':{'content':'12345678'}}]}");
        assertThat(noUsage.path("usage").path("input_tokens").asLong()).as("the estimate").isEqualTo(42);
        assertThat(noUsage.path("usage").path("output_tokens").asLong()).isEqualTo(2);
    }

    private static String stopOf(String choice) throws Exception {
        JsonNode m = answer("{'choices':[{" + choice + ",'message':{'content':'x'}}],'usage':{}}");
        return m.path("stop_reason").asText() + "/" + m.path("stop_sequence").asText("null");
    }

    @Test
    void aStreamBecomesAnthropicEventsBlockByBlock() {
        SseEvents events = stream(
                chunk("{'role':'assistant','reasoning_content':'hm'}", null),
                chunk("{'reasoning_content':'m'}", null),
                chunk("{'content':'Hi'}", null),
                chunk("{'tool_calls':[{'index':0,'id':'call_a','type':'function','function':{'name':'Bash','arguments':''}}]}", null),
                chunk("{'tool_calls':[{'index':0,'function':{'arguments':'{\\\\'c\\\\':'}}]}", null),
                chunk("{'tool_calls':[{'index':0,'function':{'arguments':'1}'}}]}", null),
                chunk("{'tool_calls':[{'index':1,'id':'call_b','function':{'name':'Read','arguments':'{}'}}]}", "'tool_calls'"),
                "data: {'choices':[],'usage':{'prompt_tokens':30,'completion_tokens':9,'prompt_cache_hit_tokens':10}}\n\n",
                "data: [DONE]\n\n");

        assertThat(events.names()).containsExactly("message_start",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop");
        JsonNode start = events.named("message_start").get(0).path("message");
        assertThat(start.path("id").asText()).isEqualTo("msg_1");
        assertThat(start.path("model").asText()).isEqualTo("claude-alias");
        assertThat(start.path("content")).isEmpty();
        assertThat(start.path("usage").path("input_tokens").asLong()).isEqualTo(42);
        List<JsonNode> starts = events.named("content_block_start");
        assertThat(starts).extracting(s -> s.path("index").asInt()).containsExactly(0, 1, 2, 3);
        assertThat(starts.get(0).path("content_block")).isEqualTo(json("{'type':'thinking','thinking':'','signature':''}"));
        assertThat(starts.get(1).path("content_block")).isEqualTo(json("{'type':'text','text':'','citations':null}"));
        assertThat(starts.get(2).path("content_block")).isEqualTo(
                json("{'type':'tool_use','id':'call_a','name':'Bash','input':{}}"));
        assertThat(events.joined("thinking_delta", "thinking")).isEqualTo("hmm");
        assertThat(events.joined("text_delta", "text")).isEqualTo("Hi");
        assertThat(events.joined("input_json_delta", "partial_json")).isEqualTo("{\"c\":1}{}");
        assertThat(events.named("content_block_delta").get(4).path("index").asInt()).isEqualTo(2);
        assertThat(events.named("message_delta").get(0)).isEqualTo(json("""
                {'type':'message_delta','delta':{'stop_reason':'tool_use','stop_sequence':null},
                 'usage':{'input_tokens':20,'cache_creation_input_tokens':0,'cache_read_input_tokens':10,'output_tokens':9}}"""));
    }

    @Test
    void aFailureAfterTheStartEndsWithAnErrorEvent() {
        SseEvents failed = stream(chunk("{'content':'par'}", null),
                "data: {'error':{'message':'Provider failed: timeout','type':'upstream_error','param':null,"
                        + "'code':'upstream_timeout'}}\n\n");
        assertThat(failed.names()).containsExactly("message_start", "content_block_start", "content_block_delta",
                "error");
        assertThat(failed.named("error").get(0)).isEqualTo(json(
                "{'type':'error','error':{'type':'timeout_error','message':'Provider failed: timeout'}}"));

        SseEvents cut = stream(chunk("{'content':'par'}", null));
        assertThat(cut.names()).last().isEqualTo("error");
        assertThat(cut.named("error").get(0).path("error").path("type").asText()).isEqualTo("api_error");
    }

    @Test
    void aStreamWithoutUsageEstimatesItsOutput() {
        SseEvents events = stream(chunk("{'content':'12345678'}", "'stop'"), "data: [DONE]\n\n");

        JsonNode delta = events.named("message_delta").get(0);
        assertThat(delta.path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(delta.path("usage").path("output_tokens").asLong()).isEqualTo(2);
    }

    private static String chunk(String delta, String finishReason) {
        return ("data: {'id':'c','object':'chat.completion.chunk','choices':[{'index':0,'delta':" + delta
                + ",'finish_reason':" + finishReason + "}]}\n\n").replace("\\\\'", "\\\"");
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Writes the chat events (quotes as apostrophes) through the translation, split mid-event, and reads what came out. */
    private static SseEvents stream(String... chatEvents) {
        StringBuilder chat = new StringBuilder();
        for (String e : chatEvents) {
            chat.append(e.startsWith("data: {'") ? e.replace('\'', '"') : e);
        }
        byte[] bytes = chat.toString().getBytes(StandardCharsets.UTF_8);
        // in two pieces: an event cut in half must wait for its end
        int half = bytes.length / 2;
        return SseEvents.parse(ChatStreams.through(TRANSLATION, java.util.Arrays.copyOfRange(bytes, 0, half),
                java.util.Arrays.copyOfRange(bytes, half, bytes.length)));
    }
}
