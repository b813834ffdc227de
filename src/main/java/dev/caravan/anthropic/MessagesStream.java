package dev.caravan.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.AnthropicError;
import dev.caravan.edge.TranslatedStream;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.Json;
import dev.caravan.openai.OpenAiError;
import dev.caravan.openai.Usage;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;

/**
 * A chat completion stream as Anthropic's Messages stream: {@code message_start} at the first chunk, then
 * content blocks (thinking, text, tool use) in the order they appear, one open at a time, and at the end
 * {@code message_delta} (stop reason, usage) and {@code message_stop}. A failure after the start becomes
 * an {@code error} event. While the provider is silent, {@code ping} events keep the connection alive.
 *
 * <p>Chat streams a model's parallel tool calls one after the other, as Anthropic streams blocks. A
 * provider that interleaved their argument deltas would lose the fragments of a call whose block was
 * closed (no provider known does).
 */
final class MessagesStream extends TranslatedStream {

    private static final ObjectNode PING = Json.MAPPER.createObjectNode().put("type", "ping");

    private enum Kind { THINKING, TEXT, TOOL_USE }

    private final MessagesTranslation translation;
    // guarded by this (the base class calls the event methods under its lock)
    private boolean started;
    private int blocks;
    private Kind open;
    private int openToolCall = -1;
    private final Set<Integer> toolCalls = new HashSet<>();
    private boolean toolUse;
    private JsonNode finishedChoice;
    private Usage usage;
    private long outputChars;
    private ScheduledFuture<?> pings;
    private volatile long lastEventNanos = System.nanoTime();

    MessagesStream(EventStream chat, MessagesTranslation translation) {
        super(chat);
        this.translation = translation;
    }

    @Override
    public void attach(Sink sink) {
        super.attach(sink);
        synchronized (this) {
            pings = translation.pings().every(this::ping);
        }
        outcome().whenComplete((outcome, failure) -> stopPings());
    }

    /** A {@code ping} once the provider was silent for an interval (never in the middle of another write). */
    private void ping() {
        if (ended()) {
            stopPings();
        } else if (System.nanoTime() - lastEventNanos >= PingTimer.INTERVAL.toNanos()
                && writeWhileIdle(new Events().add("ping", PING))) {
            lastEventNanos = System.nanoTime();
        }
    }

    private synchronized void stopPings() {
        if (pings != null) {
            pings.cancel(false);
        }
    }

    @Override
    protected void chunk(JsonNode chunk, Events out) {
        lastEventNanos = System.nanoTime();
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
            if (open != Kind.THINKING) {
                open(Kind.THINKING, -1, out, Json.MAPPER.createObjectNode().put("type", "thinking")
                        .put("thinking", "").put("signature", ""));
            }
            delta(out, Json.MAPPER.createObjectNode().put("type", "thinking_delta").put("thinking", reasoning));
            outputChars += reasoning.length();
        }
        String text = delta.path("content").asText("");
        if (!text.isEmpty()) {
            if (open != Kind.TEXT) {
                open(Kind.TEXT, -1, out, Json.MAPPER.createObjectNode().put("type", "text").put("text", "")
                        .putNull("citations"));
            }
            delta(out, Json.MAPPER.createObjectNode().put("type", "text_delta").put("text", text));
            outputChars += text.length();
        }
        for (JsonNode call : delta.path("tool_calls")) {
            toolCall(call, out);
        }
        if (choice.path("finish_reason").isTextual()) {
            finishedChoice = choice;
        }
    }

    /** A tool call's first delta opens its block (id, name); argument fragments stream as partial JSON. */
    private void toolCall(JsonNode call, Events out) {
        toolUse = true;
        int index = call.path("index").asInt(toolCalls.size());
        JsonNode function = call.path("function");
        if (toolCalls.add(index)) {
            String id = call.path("id").asText("");
            ObjectNode block = Json.MAPPER.createObjectNode().put("type", "tool_use")
                    .put("id", id.isEmpty() ? "toolu_" + UUID.randomUUID().toString().replace("-", "") : id)
                    .put("name", function.path("name").asText(""));
            block.putObject("input");
            open(Kind.TOOL_USE, index, out, block);
        }
        String arguments = function.path("arguments").asText("");
        if (!arguments.isEmpty() && open == Kind.TOOL_USE && openToolCall == index) {
            delta(out, Json.MAPPER.createObjectNode().put("type", "input_json_delta").put("partial_json", arguments));
            outputChars += arguments.length();
        }
    }

    /** Makes a new block the open one, closing the one before. */
    private void open(Kind kind, int toolCall, Events out, ObjectNode block) {
        close(out);
        open = kind;
        openToolCall = toolCall;
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
        close(out);
        MessagesTranslation.Stop stop = translation.stop(
                finishedChoice == null ? Json.MAPPER.createObjectNode() : finishedChoice, toolUse);
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
}
