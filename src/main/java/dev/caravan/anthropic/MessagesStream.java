package dev.caravan.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.AnthropicError;
import dev.caravan.edge.TranslatedStream;
import dev.caravan.json.Json;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.OpenAiError;
import dev.caravan.openai.Usage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A chat completion stream as Anthropic's Messages stream: {@code message_start} at the first chunk, then
 * content blocks (thinking, text, tool use) in the order they appear, one open at a time, and at the end
 * {@code message_delta} (stop reason, usage) and {@code message_stop}. A failure after the start becomes
 * an {@code error} event. While the provider is silent, {@code ping} events keep the connection alive.
 *
 * <p>Chat streams parallel tool calls as fragments of each call's arguments, by the call's {@code index};
 * Anthropic streams one block after the other, never two at once. A call's block stays open while its
 * arguments come, and it closes once they are a complete JSON value and another call has begun; fragments
 * of later calls wait until their block opens, so a provider that interleaves the calls' fragments loses
 * none, and one that streams them one after the other (all known do) is passed on as it comes. A fragment
 * without {@code index} continues the last call unless it names another id or tool. Text or reasoning
 * after tool calls begin waits for the end and follows them (blocks never interleave).
 */
final class MessagesStream extends TranslatedStream {

    private static final ObjectNode PING = Json.MAPPER.createObjectNode().put("type", "ping");

    private enum Kind { THINKING, TEXT, TOOL_USE }

    /** One tool call as its fragments come. */
    private static final class ToolCall {
        /** The provider's id, {@code ""} while it gave none. */
        String providerId;
        String name = "";
        /**
         * Arguments not yet written (the call's block is not open yet). What comes once its arguments were
         * complete and its block closed (whitespace; anything else would break the JSON) stays here, unwritten.
         */
        final StringBuilder pending = new StringBuilder();
        final JsonEnd arguments = new JsonEnd();

        ToolCall(String providerId) {
            this.providerId = providerId;
        }
    }

    /** Text or reasoning that came after tool calls began. */
    private record Late(Kind kind, StringBuilder text) {
    }

    private final MessagesTranslation translation;
    // guarded by this (the base class calls the event methods under its lock)
    private boolean started;
    private int blocks;
    private Kind open;
    /** The answer's tool calls in the order they began; those before {@link #toolBlocks} have had their block. */
    private final List<ToolCall> calls = new ArrayList<>();
    private final Map<Integer, ToolCall> byIndex = new HashMap<>();
    private int toolBlocks;
    private final Set<String> ids = new HashSet<>();
    private final List<Late> late = new ArrayList<>();
    private JsonNode finishedChoice;
    private Usage usage;
    private long outputChars;
    // the ping task: scheduled once, unless the stream already ended; cancelled at the end or a cancel
    private final AtomicBoolean pingsStopped = new AtomicBoolean();
    private volatile ScheduledFuture<?> pings;
    private volatile long lastEventNanos = System.nanoTime();

    MessagesStream(EventStream chat, MessagesTranslation translation) {
        super(chat);
        this.translation = translation;
    }

    @Override
    public void attach(Sink sink) {
        super.attach(sink);
        if (pingsStopped.get() || ended()) {
            return; // the chat stream ended while it was attached
        }
        ScheduledFuture<?> task = translation.pings().every(this::ping);
        if (task == null) {
            return; // the timer stopped: the application shuts down
        }
        pings = task;
        if (pingsStopped.get()) {
            task.cancel(false); // it ended meanwhile, and stopPings() may not have seen the task
        }
        outcome().whenComplete((outcome, failure) -> stopPings());
    }

    @Override
    public void cancel() {
        stopPings();
        super.cancel();
    }

    /**
     * A {@code ping} once the provider was silent for an interval. Never after the end: the base class
     * refuses a keep-alive once the stream ended, or while another write is on its way.
     */
    private void ping() {
        if (pingsStopped.get() || ended()) {
            stopPings();
        } else if (System.nanoTime() - lastEventNanos >= PingTimer.INTERVAL.toNanos()
                && writeWhileIdle(new Events().add("ping", PING))) {
            lastEventNanos = System.nanoTime();
        }
    }

    private void stopPings() {
        pingsStopped.set(true);
        ScheduledFuture<?> task = pings;
        if (task != null) {
            task.cancel(false);
        }
    }

    @Override
    protected void chunk(JsonNode chunk, Events out) {
        start(out);
        if (chunk.path("usage").isObject()) {
            usage = Usage.of(chunk.path("usage"));
        }
        JsonNode choice = chunk.path("choices").path(0);
        if (choice.isMissingNode()) {
            return; // the usage chunk
        }
        JsonNode delta = choice.path("delta");
        String reasoning = MessagesTranslation.reasoning(delta);
        if (!reasoning.isEmpty()) {
            content(Kind.THINKING, reasoning, out);
        }
        String text = delta.path("content").asText("");
        if (!text.isEmpty()) {
            content(Kind.TEXT, text, out);
        }
        for (JsonNode call : delta.path("tool_calls")) {
            toolCall(call, out);
        }
        if (choice.path("finish_reason").isTextual()) {
            finishedChoice = choice;
        }
        if (!out.isEmpty()) {
            lastEventNanos = System.nanoTime(); // the client's silence, not the provider's: held output counts as none
        }
    }

    /** Reasoning or text: into its block as it comes, or after the tool calls once they began. */
    private void content(Kind kind, String text, Events out) {
        outputChars += text.length();
        if (!calls.isEmpty()) {
            if (late.isEmpty() || late.get(late.size() - 1).kind() != kind) {
                late.add(new Late(kind, new StringBuilder()));
            }
            late.get(late.size() - 1).text().append(text);
            return;
        }
        if (open != kind) {
            open(kind, out);
        }
        contentDelta(kind, text, out);
    }

    private void open(Kind kind, Events out) {
        open(kind, out, kind == Kind.THINKING
                ? Json.MAPPER.createObjectNode().put("type", "thinking").put("thinking", "").put("signature", "")
                : Json.MAPPER.createObjectNode().put("type", "text").put("text", "").putNull("citations"));
    }

    private void contentDelta(Kind kind, String text, Events out) {
        delta(out, kind == Kind.THINKING
                ? Json.MAPPER.createObjectNode().put("type", "thinking_delta").put("thinking", text)
                : Json.MAPPER.createObjectNode().put("type", "text_delta").put("text", text));
    }

    /** A tool call's fragment: its id and name when it begins, then its arguments (partial JSON). */
    private void toolCall(JsonNode fragment, Events out) {
        ToolCall call = callOf(fragment);
        JsonNode function = fragment.path("function");
        if (call.name.isEmpty()) {
            call.name = function.path("name").asText("");
        }
        JsonNode value = function.path("arguments");
        String arguments = value.isContainerNode() ? value.toString() : value.asText("");
        if (!arguments.isEmpty()) {
            outputChars += arguments.length();
            call.arguments.feed(arguments);
            if (isOpen(call)) {
                inputDelta(arguments, out);
            } else {
                call.pending.append(arguments);
            }
        }
        advance(out);
    }

    /**
     * The call a fragment belongs to: by its {@code index}, else the last call; another call when it begins one.
     * Some servers send a new id with every fragment of one call, others give every call index 0, or no index
     * at all: a call whose arguments are not complete JSON yet goes on whatever the id.
     */
    private ToolCall callOf(JsonNode fragment) {
        String id = fragment.path("id").asText("");
        String name = fragment.path("function").path("name").asText("");
        JsonNode index = fragment.path("index");
        ToolCall call;
        if (index.isIntegralNumber()) {
            call = byIndex.get(index.asInt());
            if (call == null || call.arguments.complete() && (startsAnotherValue(fragment)
                    || !name.isEmpty() && !id.isEmpty() && !call.providerId.isEmpty() && !id.equals(call.providerId))) {
                call = newCall(id);
                byIndex.put(index.asInt(), call);
            }
        } else {
            call = calls.isEmpty() ? null : calls.get(calls.size() - 1);
            if (call == null || beginsAnother(call, id, name)
                    || call.arguments.complete() && (!name.isEmpty() || startsAnotherValue(fragment))) {
                call = newCall(id);
            }
        }
        if (call.providerId.isEmpty() && !id.isEmpty() && !hasStarted(call)) {
            call.providerId = id; // an id after the first fragment
        }
        return call;
    }

    /** Whether the fragment's arguments begin a JSON value: after a complete one, another call's. */
    private static boolean startsAnotherValue(JsonNode fragment) {
        return fragment.path("function").path("arguments").asText("").stripLeading().startsWith("{");
    }

    /** Whether a fragment without {@code index} begins another call than the last. */
    private static boolean beginsAnother(ToolCall last, String id, String name) {
        if (!id.isEmpty() && !id.equals(last.providerId)) {
            // another id; after a call without one, only with a name (else: the last call's id, late)
            return !last.providerId.isEmpty() || !name.isEmpty();
        }
        return id.isEmpty() && !name.isEmpty() && !last.name.isEmpty() && !name.equals(last.name);
    }

    private ToolCall newCall(String id) {
        ToolCall call = new ToolCall(id);
        calls.add(call);
        return call;
    }

    private boolean hasStarted(ToolCall call) {
        return calls.indexOf(call) < toolBlocks;
    }

    /** Whether the call's block is the open one. */
    private boolean isOpen(ToolCall call) {
        return open == Kind.TOOL_USE && calls.get(toolBlocks - 1) == call;
    }

    /**
     * Opens the blocks that can open: the open call's block closes once its arguments are complete and a later
     * call has begun; the next call's block opens (with the arguments that waited) once it has a name.
     */
    private void advance(Events out) {
        while (toolBlocks < calls.size()) {
            if (open == Kind.TOOL_USE) {
                JsonEnd arguments = calls.get(toolBlocks - 1).arguments;
                if (!arguments.complete() && arguments.opened()) {
                    return;
                }
                close(out); // complete, or none at all (a call without arguments) while a later call began
            }
            ToolCall next = calls.get(toolBlocks);
            if (next.name.isEmpty()) {
                return;
            }
            openToolBlock(next, out);
        }
    }

    private void openToolBlock(ToolCall call, Events out) {
        toolBlocks++;
        ObjectNode block = Json.MAPPER.createObjectNode().put("type", "tool_use")
                .put("id", MessagesTranslation.toolUseId(call.providerId, ids)).put("name", call.name);
        block.putObject("input");
        open(Kind.TOOL_USE, out, block);
        if (!call.pending.isEmpty()) {
            inputDelta(call.pending.toString(), out);
            call.pending.setLength(0);
        }
    }

    private void inputDelta(String arguments, Events out) {
        delta(out, Json.MAPPER.createObjectNode().put("type", "input_json_delta").put("partial_json", arguments));
    }

    /** At the end: every tool call's block that is still open or waiting, in order, then the late content. */
    private void flush(Events out) {
        close(out);
        while (toolBlocks < calls.size()) {
            openToolBlock(calls.get(toolBlocks), out);
            close(out);
        }
        for (Late content : late) {
            if (content.text().toString().isBlank()) {
                continue; // the "\n\n" some models put after their calls: no block of its own
            }
            open(content.kind(), out);
            contentDelta(content.kind(), content.text().toString(), out);
            close(out);
        }
        late.clear();
    }

    /** Makes a new block the open one, closing the one before. */
    private void open(Kind kind, Events out, ObjectNode block) {
        close(out);
        open = kind;
        ObjectNode start = event("content_block_start");
        start.set("content_block", block);
        out.add("content_block_start", start);
    }

    private void close(Events out) {
        if (open != null) {
            out.add("content_block_stop", event("content_block_stop"));
            open = null;
            blocks++;
        }
    }

    private void delta(Events out, ObjectNode delta) {
        ObjectNode event = event("content_block_delta");
        event.set("delta", delta);
        out.add("content_block_delta", event);
    }

    /** An event about the current block: {@code type} and {@code index}. */
    private ObjectNode event(String type) {
        return Json.MAPPER.createObjectNode().put("type", type).put("index", blocks);
    }

    private void start(Events out) {
        if (started) {
            return;
        }
        started = true;
        ObjectNode message = translation.message();
        message.set("usage", MessagesTranslation.usage(new Usage(translation.inputEstimate(), 0, 0, 0, true)));
        out.add("message_start", Json.MAPPER.createObjectNode().put("type", "message_start").set("message", message));
    }

    @Override
    protected void done(Events out) {
        start(out);
        flush(out);
        MessagesTranslation.Stop stop = translation.stop(
                finishedChoice == null ? Json.MAPPER.createObjectNode() : finishedChoice, !calls.isEmpty());
        ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", stop.reason()).put("stop_sequence", stop.sequence());
        delta.set("usage", MessagesTranslation.usage(usage != null ? usage
                : new Usage(translation.inputEstimate(), (outputChars + 3) / 4, 0, 0, true)));
        out.add("message_delta", delta);
        out.add("message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop"));
        stopPings();
    }

    @Override
    protected void error(JsonNode error, Events out) {
        out.add("error", AnthropicError.json(ofStreamed(error)));
        stopPings();
    }

    @Override
    protected void cutShort(Events out) {
        out.add("error", AnthropicError.json(new OpenAiError(502, "The provider's stream ended before the answer "
                + "was complete.", "upstream_error", null, "upstream_error")));
        stopPings();
    }

    /**
     * The error of the relay's in-stream error event ({@code {"message","type","param","code"}}, no status),
     * with the status of its kind, so it gets the Anthropic type a response would have.
     */
    static OpenAiError ofStreamed(JsonNode error) {
        String code = error.path("code").asText("upstream_error");
        String type = error.path("type").asText("upstream_error");
        int status = switch (code) {
            case "upstream_unavailable" -> 503;
            case "upstream_timeout" -> 504;
            case "rate_limit_exceeded" -> 429;
            default -> type.equals("invalid_request_error") ? 400 : 502;
        };
        return new OpenAiError(status, error.path("message").asText("The stream failed."), type, null,
                code.isBlank() ? "upstream_error" : code);
    }

    /**
     * Tells, as the fragments of a JSON text come, when its outermost object (or array) is complete: brackets
     * counted outside strings. Arguments that never complete (a model's broken JSON) keep their block open to
     * the end.
     */
    private static final class JsonEnd {
        private int depth;
        private boolean opened;
        private boolean inString;
        private boolean escaped;

        void feed(String fragment) {
            for (int i = 0; i < fragment.length(); i++) {
                char c = fragment.charAt(i);
                if (inString) {
                    if (escaped) {
                        escaped = false;
                    } else if (c == '\\') {
                        escaped = true;
                    } else if (c == '"') {
                        inString = false;
                    }
                } else if (c == '"') {
                    inString = true;
                } else if (c == '{' || c == '[') {
                    depth++;
                    opened = true;
                } else if (c == '}' || c == ']') {
                    depth--;
                }
            }
        }

        boolean complete() {
            return opened && depth <= 0 && !inString;
        }

        /** Whether any argument came (a brace or bracket). */
        boolean opened() {
            return opened;
        }
    }
}
