package dev.caravan.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.edge.Translation;
import dev.caravan.openai.EventStream;
import dev.caravan.testing.ChatStreams;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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

    @Test
    void toolCallsWithoutAnIdOrWithAnotherCallsIdGetTheirOwn() throws Exception {
        JsonNode message = answer("""
                {'choices':[{'finish_reason':'tool_calls','message':{'role':'assistant','content':null,'tool_calls':[
                   {'id':'call_1','type':'function','function':{'name':'A','arguments':'{}'}},
                   {'type':'function','function':{'name':'B','arguments':'{}'}},
                   {'id':'','type':'function','function':{'name':'C','arguments':'{}'}},
                   {'id':'call_1','type':'function','function':{'name':'D','arguments':'{}'}}]}}]}""");

        List<String> ids = message.path("content").findValuesAsText("id");
        assertThat(ids).hasSize(4).doesNotHaveDuplicates().first().isEqualTo("call_1");
        assertThat(ids.subList(1, 4)).allSatisfy(id -> assertThat(id).matches("toolu_[0-9a-f]{32}"));
    }

    /** A provider that interleaves two calls' argument fragments: each call gets one whole block. */
    @Test
    void interleavedToolCallsBecomeOneBlockEachInOrder() {
        SseEvents events = stream(
                chunk("{'content':'Both.'}", null),
                chunk("{'tool_calls':[{'index':0,'id':'call_a','type':'function','function':{'name':'Bash','arguments':'{\\'c\\':'}}]}", null),
                chunk("{'tool_calls':[{'index':1,'id':'call_b','type':'function','function':{'name':'Read','arguments':'{\\'f\\':'}}]}", null),
                chunk("{'tool_calls':[{'index':0,'function':{'arguments':'\\'x}\\''}},{'index':1,'function':{'arguments':'\\'y\\''}}]}", null),
                chunk("{'tool_calls':[{'index':0,'function':{'arguments':'}'}}]}", null),
                chunk("{'tool_calls':[{'index':2,'id':'call_c','type':'function','function':{'name':'Grep','arguments':'{}'}}]}", null),
                chunk("{'tool_calls':[{'index':1,'function':{'arguments':'}'}}]}", null),
                chunk("{'content':'Done.'}", "'tool_calls'"),
                "data: [DONE]\n\n");

        assertBlocksDoNotInterleave(events);
        assertThat(blocks(events)).containsExactly(
                "text:Both.", "tool_use:call_a:Bash:{\"c\":\"x}\"}", "tool_use:call_b:Read:{\"f\":\"y\"}",
                "tool_use:call_c:Grep:{}", "text:Done.");
        assertThat(events.named("message_delta").get(0).path("delta").path("stop_reason").asText()).isEqualTo("tool_use");
    }

    /** Fragments without {@code index} continue the last call; a new id or name begins another; ids stay unique. */
    @Test
    void toolCallFragmentsWithoutAnIndexContinueTheLastCall() {
        SseEvents events = stream(
                chunk("{'tool_calls':[{'id':'call_a','type':'function','function':{'name':'Bash','arguments':''}}]}", null),
                chunk("{'tool_calls':[{'function':{'arguments':'{\\'c\\':'}}]}", null),
                chunk("{'tool_calls':[{'id':'call_a','function':{'arguments':'1}'}}]}", null),
                chunk("{'tool_calls':[{'function':{'name':'Read','arguments':'{}'}}]}", null),
                chunk("{'tool_calls':[{'id':'call_a','function':{'name':'Grep','arguments':'{}'}}]}", null),
                chunk("{'tool_calls':[{'index':0,'id':'call_z','function':{'name':'Glob','arguments':'{}'}}]}", null),
                chunk("{'tool_calls':[{'index':0,'id':'call_y','function':{'name':'Ls','arguments':'{'}}]}", null),
                chunk("{'tool_calls':[{'index':0,'function':{'arguments':'}'}}]}", "'tool_calls'"),
                "data: [DONE]\n\n");

        assertBlocksDoNotInterleave(events);
        List<String> blocks = blocks(events);
        assertThat(blocks).hasSize(5);
        assertThat(blocks.get(0)).isEqualTo("tool_use:call_a:Bash:{\"c\":1}");
        assertThat(blocks.get(1)).matches("tool_use:toolu_[0-9a-f]{32}:Read:\\{}");
        // the provider gave the id of the first call again: the client must tell the results apart
        assertThat(blocks.get(2)).matches("tool_use:toolu_[0-9a-f]{32}:Grep:\\{}");
        // a provider that gives every call index 0 (with ids of their own)
        assertThat(blocks.subList(3, 5)).containsExactly("tool_use:call_z:Glob:{}", "tool_use:call_y:Ls:{}");
    }

    @Test
    void callsOfServersThatBendTheProtocolStayWhole() {
        SseEvents events = stream(
                // a new id with every fragment of one call
                chunk("{'tool_calls':[{'index':0,'id':'a1','function':{'name':'Bash','arguments':'{\\'c'}}]}", null),
                chunk("{'tool_calls':[{'index':0,'id':'a2','function':{'arguments':'md\\':1}'}}]}", null),
                // two calls of one tool, no index, no id
                chunk("{'tool_calls':[{'function':{'name':'Read','arguments':'{\\'p\\':1}'}}]}", null),
                chunk("{'tool_calls':[{'function':{'name':'Read','arguments':'{\\'p\\':2}'}}]}", null),
                chunk("{'content':'\\n\\n'}", "'tool_calls'"),
                "data: [DONE]\n\n");

        assertBlocksDoNotInterleave(events);
        List<String> blocks = blocks(events);
        assertThat(blocks).hasSize(3); // and no block for the blank line after the calls
        assertThat(blocks.get(0)).startsWith("tool_use:a1:Bash:").endsWith(":{\"cmd\":1}");
        assertThat(blocks.get(1)).endsWith(":Read:{\"p\":1}");
        assertThat(blocks.get(2)).endsWith(":Read:{\"p\":2}");
    }

    @Test
    void aCallWithoutArgumentsDoesNotHoldTheNextOne() {
        String first = chunk("{'tool_calls':[{'index':0,'id':'c0','function':{'name':'Stop','arguments':''}}]}", null);
        String second = chunk("{'tool_calls':[{'index':1,'id':'c1','function':{'name':'Bash','arguments':'{\\'c'}}]}",
                null);

        // before the end: the second call's block is open with its arguments so far
        SseEvents live = stream(first, second);
        assertThat(blocks(live)).hasSize(2).last().isEqualTo("tool_use:c1:Bash:{\"c");
    }

    /** Each block as {@code type:…}: text, or a tool use's id, name and the partial JSON of its deltas. */
    private static List<String> blocks(SseEvents events) {
        Map<Integer, StringBuilder> blocks = new LinkedHashMap<>();
        for (SseEvents.Event e : events.events()) {
            int index = e.data().path("index").asInt();
            if (e.name().equals("content_block_start")) {
                JsonNode block = e.data().path("content_block");
                String type = block.path("type").asText();
                blocks.put(index, new StringBuilder(type.equals("tool_use")
                        ? "tool_use:" + block.path("id").asText() + ":" + block.path("name").asText() + ":"
                        : type + ":"));
            } else if (e.name().equals("content_block_delta")) {
                JsonNode delta = e.data().path("delta");
                blocks.get(index).append(delta.path("text").asText(delta.path("partial_json").asText()));
            }
        }
        return blocks.values().stream().map(StringBuilder::toString).toList();
    }

    /** Blocks come one at a time, indexed 0, 1, …; each delta and stop is about the open block. */
    private static void assertBlocksDoNotInterleave(SseEvents events) {
        int open = -1;
        int next = 0;
        for (SseEvents.Event e : events.events()) {
            int index = e.data().path("index").asInt();
            switch (e.name()) {
                case "content_block_start" -> {
                    assertThat(open).as("a block starts while another is open").isEqualTo(-1);
                    assertThat(index).isEqualTo(next);
                    open = next++;
                }
                case "content_block_delta" -> assertThat(index).as("a delta of the open block").isEqualTo(open);
                case "content_block_stop" -> {
                    assertThat(index).isEqualTo(open);
                    open = -1;
                }
                default -> assertThat(open).as(e.name() + " while a block is open").isEqualTo(-1);
            }
        }
        assertThat(open).isEqualTo(-1);
    }

    /** A ping timer whose checks the test runs; its tasks never run by themselves. */
    private static final class ManualPings extends PingTimer {
        final List<Runnable> checks = new ArrayList<>();
        final List<ScheduledFuture<?>> tasks = new ArrayList<>();
        private final ScheduledExecutorService never = Executors.newSingleThreadScheduledExecutor();

        @Override
        ScheduledFuture<?> every(Runnable check) {
            checks.add(check);
            ScheduledFuture<?> task = never.schedule(() -> { }, 1, TimeUnit.HOURS);
            tasks.add(task);
            return task;
        }

        @Override
        void stop() {
            never.shutdownNow();
            super.stop();
        }
    }

    private static Translation withPings(PingTimer pings) {
        return new MessagesTranslation("msg_1", "claude-alias", 42, List.of(), null, pings, null);
    }

    @Test
    void aStreamThatEndedWhileAttachedLeavesNoPingTask() {
        ManualPings pings = new ManualPings();
        try {
            ChatStreams.through(withPings(pings), chunk("{'content':'x'}", "'stop'").replace('\'', '"')
                    .getBytes(StandardCharsets.UTF_8), "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));

            assertThat(pings.tasks).allSatisfy(task -> assertThat(task.isCancelled()).isTrue());
        } finally {
            pings.stop();
        }
    }

    /** A stream the test writes to: the chat stream never ends by itself. */
    private static final class OpenChat implements EventStream {
        EventStream.Sink sink;
        boolean cancelled;

        @Override
        public void attach(Sink target) {
            sink = target;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public CompletableFuture<Outcome> outcome() {
            return new CompletableFuture<>();
        }

        void write(String event) {
            sink.write(event.replace('\'', '"').getBytes(StandardCharsets.UTF_8), () -> { });
        }
    }

    /** What the client was written, write by write. */
    private static final class Written implements EventStream.Sink {
        final List<String> writes = new ArrayList<>();

        @Override
        public void write(byte[] bytes, Runnable written) {
            writes.add(new String(bytes, StandardCharsets.UTF_8));
            written.run();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aCancelStopsThePings() {
        ManualPings pings = new ManualPings();
        try {
            OpenChat chat = new OpenChat();
            EventStream stream = withPings(pings).stream(chat);
            stream.attach(new Written());
            assertThat(pings.tasks).hasSize(1);

            stream.cancel();

            assertThat(chat.cancelled).isTrue();
            assertThat(pings.tasks.get(0).isCancelled()).isTrue();
        } finally {
            pings.stop();
        }
    }

    /** Once the stream ended, the check writes nothing, however long the silence, and its task is cancelled. */
    @Test
    void noPingAfterTheEnd() throws Exception {
        ManualPings pings = new ManualPings();
        try {
            OpenChat chat = new OpenChat();
            Written client = new Written();
            withPings(pings).stream(chat).attach(client);
            chat.write(chunk("{'content':'x'}", null));
            Runnable check = pings.checks.get(0);
            check.run();
            assertThat(client.writes).as("not silent long enough").hasSize(1);

            Thread.sleep(PingTimer.INTERVAL.toMillis() + 100);
            chat.write("data: [DONE]\n\n");
            assertThat(pings.tasks.get(0).isCancelled()).isTrue();
            check.run();

            assertThat(client.writes).hasSize(2);
            assertThat(SseEvents.parse(String.join("", client.writes)).names()).doesNotContain("ping").last()
                    .isEqualTo("message_stop");
        } finally {
            pings.stop();
        }
    }
}
