package dev.caravan.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.TranslatedStream;
import dev.caravan.json.Json;
import dev.caravan.openai.EventStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A streamed chat completion as the Responses API streams it: {@code response.created}, then each output item
 * opened, filled by deltas and closed as the chat deltas come (reasoning, then text or function calls), then
 * {@code response.completed} with the whole response, or {@code response.failed}. Every chat chunk becomes its
 * events at once; only the text so far is kept, for the closing events.
 *
 * <p>A call of a custom (free-form) tool has its input inside the chat function's JSON arguments
 * ({@code {"input":"…"}}): it is decoded as the pieces come ({@link StreamedInput}) and sent as
 * {@code custom_tool_call_input.delta}s; what could not be decoded on the way goes with the call's end.
 */
final class ResponsesStream extends TranslatedStream {

    /** An open reasoning or message item: where it is in the output and its text so far. */
    private record OpenText(int outputIndex, String id, StringBuilder text) {
    }

    /** An open function call or custom tool call item; its name is the chat function's. */
    private record OpenCall(int outputIndex, String id, String callId, String chatName, boolean custom,
                            StringBuilder arguments, StreamedInput input) {
    }

    private final ResponsesTranslation response;
    private int sequence;
    private boolean started;
    /** Output items by output index; {@code null} while an item is open. */
    private final List<ObjectNode> items = new ArrayList<>();
    private OpenText reasoning;
    private OpenText message;
    /** Open function calls by their chat tool call index. */
    private final Map<Integer, OpenCall> calls = new LinkedHashMap<>();
    /** The call ids given so far: a provider's id given twice gets one of its own, as a missing one does. */
    private final Set<String> callIds = new HashSet<>();
    /** Characters of reasoning, text and arguments so far, to estimate usage when the provider sends none. */
    private long outputChars;
    private JsonNode usage;
    private String finishReason = "";

    ResponsesStream(EventStream chat, ResponsesTranslation response) {
        super(chat);
        this.response = response;
    }

    @Override
    protected void chunk(JsonNode chunk, Events out) {
        start(out);
        if (chunk.path("usage").isObject()) {
            usage = chunk.get("usage");
        }
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        String reasoningDelta = ResponsesTranslation.reasoningText(delta);
        if (!reasoningDelta.isEmpty()) {
            reasoningDelta(reasoningDelta, out);
        }
        String content = ResponsesTranslation.text(delta, "content");
        if (!content.isEmpty()) {
            contentDelta(content, out);
        }
        for (JsonNode call : delta.path("tool_calls")) {
            callDelta(call, out);
        }
        String finish = ResponsesTranslation.text(choice, "finish_reason");
        if (!finish.isEmpty()) {
            finishReason = finish;
            closeReasoning(out);
            closeMessage(out);
            closeCalls(out);
        }
    }

    @Override
    protected void done(Events out) {
        start(out);
        closeReasoning(out);
        closeMessage(out);
        closeCalls(out);
        ObjectNode finished = response.finished(finishReason, output(), response.usage(usage, outputChars));
        String status = finished.path("status").asText();
        send(out, event(status.equals("completed") ? "response.completed" : "response.incomplete")
                .set("response", finished));
    }

    @Override
    protected void error(JsonNode error, Events out) {
        fail(ResponsesTranslation.text(error, "code"), ResponsesTranslation.text(error, "message"), out);
    }

    @Override
    protected void cutShort(Events out) {
        fail("upstream_error", "The provider's stream ended before the answer was complete.", out);
    }

    /** The response failed after it started: the items done so far, and the error, as Codex reads it. */
    private void fail(String code, String message, Events out) {
        start(out);
        ObjectNode failed = response.response("failed", output(), response.usage(usage, outputChars));
        failed.putObject("error").put("code", code.isEmpty() ? "upstream_error" : code).put("message", message);
        send(out, event("response.failed").set("response", failed));
    }

    private void start(Events out) {
        if (started) {
            return;
        }
        started = true;
        send(out, event("response.created").set("response", response.response("in_progress",
                Json.MAPPER.createArrayNode(), null)));
        send(out, event("response.in_progress").set("response", response.response("in_progress",
                Json.MAPPER.createArrayNode(), null)));
    }

    // ---- reasoning: one item with one summary part

    private void reasoningDelta(String delta, Events out) {
        if (reasoning == null) {
            closeMessage(out);
            closeCalls(out);
            reasoning = new OpenText(items.size(), response.itemId("rs", items.size()), new StringBuilder());
            items.add(null);
            send(out, itemEvent("response.output_item.added", reasoning.outputIndex())
                    .set("item", ResponsesTranslation.reasoningItem(reasoning.id(), null)));
            send(out, summaryEvent("response.reasoning_summary_part.added")
                    .set("part", ResponsesTranslation.summaryText("")));
        }
        reasoning.text().append(delta);
        outputChars += delta.length();
        send(out, summaryEvent("response.reasoning_summary_text.delta").put("delta", delta));
    }

    private void closeReasoning(Events out) {
        if (reasoning == null) {
            return;
        }
        String text = reasoning.text().toString();
        send(out, summaryEvent("response.reasoning_summary_text.done").put("text", text));
        send(out, summaryEvent("response.reasoning_summary_part.done").set("part", ResponsesTranslation.summaryText(text)));
        close(reasoning.outputIndex(), ResponsesTranslation.reasoningItem(reasoning.id(), text), out);
        reasoning = null;
    }

    private ObjectNode summaryEvent(String type) {
        return itemEvent(type, reasoning.outputIndex()).put("item_id", reasoning.id()).put("summary_index", 0);
    }

    // ---- text: one message item with one output_text part

    private void contentDelta(String delta, Events out) {
        if (message == null) {
            closeReasoning(out);
            closeCalls(out);
            message = new OpenText(items.size(), response.itemId("msg", items.size()), new StringBuilder());
            items.add(null);
            send(out, itemEvent("response.output_item.added", message.outputIndex())
                    .set("item", ResponsesTranslation.messageItem(message.id(), "in_progress", null)));
            send(out, partEvent("response.content_part.added").set("part", ResponsesTranslation.outputText("")));
        }
        message.text().append(delta);
        outputChars += delta.length();
        ObjectNode event = partEvent("response.output_text.delta").put("delta", delta);
        event.putArray("logprobs");
        send(out, event);
    }

    private void closeMessage(Events out) {
        if (message == null) {
            return;
        }
        String text = message.text().toString();
        ObjectNode done = partEvent("response.output_text.done").put("text", text);
        done.putArray("logprobs");
        send(out, done);
        send(out, partEvent("response.content_part.done").set("part", ResponsesTranslation.outputText(text)));
        close(message.outputIndex(), ResponsesTranslation.messageItem(message.id(), "completed", text), out);
        message = null;
    }

    private ObjectNode partEvent(String type) {
        return itemEvent(type, message.outputIndex()).put("item_id", message.id()).put("content_index", 0);
    }

    // ---- function calls: one item each, the arguments in pieces

    private void callDelta(JsonNode delta, Events out) {
        int index = delta.path("index").asInt(calls.size());
        JsonNode function = delta.path("function");
        OpenCall call = calls.get(index);
        if (call == null) {
            closeReasoning(out);
            closeMessage(out);
            String callId = ResponsesTranslation.text(delta, "id");
            if (callId.isEmpty() || !callIds.add(callId)) {
                callId = response.itemId("call", items.size());
                callIds.add(callId);
            }
            String chatName = ResponsesTranslation.text(function, "name");
            boolean custom = response.isCustom(chatName);
            call = new OpenCall(items.size(), response.itemId(custom ? "ctc" : "fc", items.size()), callId,
                    chatName, custom, new StringBuilder(), custom ? new StreamedInput() : null);
            calls.put(index, call);
            items.add(null);
            send(out, itemEvent("response.output_item.added", call.outputIndex())
                    .set("item", callItem(call, "in_progress")));
        }
        String arguments = ResponsesTranslation.text(function, "arguments");
        if (!arguments.isEmpty()) {
            call.arguments().append(arguments);
            outputChars += arguments.length();
            if (call.custom()) {
                String input = call.input().feed(arguments);
                if (!input.isEmpty()) {
                    send(out, itemEvent("response.custom_tool_call_input.delta", call.outputIndex())
                            .put("item_id", call.id()).put("delta", input));
                }
                return;
            }
            send(out, itemEvent("response.function_call_arguments.delta", call.outputIndex())
                    .put("item_id", call.id()).put("delta", arguments));
        }
    }

    private void closeCalls(Events out) {
        for (OpenCall call : calls.values()) {
            ObjectNode item = callItem(call, "completed");
            if (call.custom()) {
                String input = item.path("input").asText();
                String streamed = call.input().decoded();
                String rest = input.startsWith(streamed) ? input.substring(streamed.length()) : "";
                if (!rest.isEmpty()) {
                    send(out, itemEvent("response.custom_tool_call_input.delta", call.outputIndex())
                            .put("item_id", call.id()).put("delta", rest));
                }
                send(out, itemEvent("response.custom_tool_call_input.done", call.outputIndex())
                        .put("item_id", call.id()).put("input", input));
                close(call.outputIndex(), item, out);
                continue;
            }
            send(out, itemEvent("response.function_call_arguments.done", call.outputIndex()).put("item_id", call.id())
                    .put("name", item.path("name").asText()).put("arguments", call.arguments().toString()));
            close(call.outputIndex(), item, out);
        }
        calls.clear();
    }

    private ObjectNode callItem(OpenCall call, String status) {
        if (call.custom()) {
            // in progress: its input comes in the deltas
            return response.customToolCallItem(call.id(), status, call.callId(), call.chatName(),
                    status.equals("completed") ? ResponsesTranslation.customInput(call.arguments().toString()) : "");
        }
        return response.functionCallItem(call.id(), status, call.callId(), call.chatName(),
                call.arguments().toString());
    }

    // ---- events

    private void close(int outputIndex, ObjectNode item, Events out) {
        items.set(outputIndex, item);
        send(out, itemEvent("response.output_item.done", outputIndex).set("item", item));
    }

    /** The items done so far, in output order. */
    private ArrayNode output() {
        ArrayNode output = Json.MAPPER.createArrayNode();
        items.stream().filter(Objects::nonNull).forEach(output::add);
        return output;
    }

    private ObjectNode itemEvent(String type, int outputIndex) {
        return event(type).put("output_index", outputIndex);
    }

    private ObjectNode event(String type) {
        return Json.MAPPER.createObjectNode().put("type", type).put("sequence_number", sequence++);
    }

    private static void send(Events out, JsonNode event) {
        out.add(event.path("type").asText(), event);
    }
}
