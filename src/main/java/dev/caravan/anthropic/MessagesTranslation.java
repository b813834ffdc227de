package dev.caravan.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.NativeRequest;
import dev.caravan.edge.Translation;
import dev.caravan.json.Json;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.Usage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The way back of one Messages request: the chat completion, or its stream, as an Anthropic message.
 *
 * @param messageId      the message's id ({@code msg_…})
 * @param model          the model name the client asked for
 * @param inputEstimate  the prompt's tokens as estimated before the answer (until the provider reports them)
 * @param stopSequences  the request's stop sequences, to tell which one ended the answer
 * @param droppedTools   server tools left out of the request, for the log line; {@code null}: none
 * @param pings          the keep-alive timer of streams
 * @param nativeRequest  the request as sent, for providers that serve the Messages API themselves
 */
record MessagesTranslation(String messageId, String model, long inputEstimate, List<String> stopSequences,
                           String droppedTools, PingTimer pings, NativeRequest nativeRequest) implements Translation {

    @Override
    public byte[] answer(JsonNode chat) {
        JsonNode choice = chat.path("choices").path(0);
        JsonNode message = choice.path("message");
        ObjectNode answer = message();
        ArrayNode content = answer.withArray("content");
        String reasoning = reasoning(message);
        if (!reasoning.isEmpty()) {
            content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
        }
        String text = message.path("content").asText("");
        if (!text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text).putNull("citations");
        }
        Set<String> ids = new HashSet<>();
        for (JsonNode call : message.path("tool_calls")) {
            content.addObject().put("type", "tool_use").put("id", toolUseId(call.path("id").asText(""), ids))
                    .put("name", call.path("function").path("name").asText())
                    .set("input", input(call.path("function").path("arguments").asText("")));
        }
        Stop stop = stop(choice, !message.path("tool_calls").isEmpty());
        answer.put("stop_reason", stop.reason()).put("stop_sequence", stop.sequence());
        Usage usage = chat.path("usage").isObject() ? Usage.of(chat.path("usage"))
                : new Usage(inputEstimate, (reasoning.length() + text.length() + 3) / 4, 0, 0, true);
        answer.set("usage", usage(usage));
        return answer.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public EventStream stream(EventStream chat) {
        return new MessagesStream(chat, this);
    }

    /** The message without content or stop: the answer's start, and a stream's {@code message_start}. */
    ObjectNode message() {
        ObjectNode message = Json.MAPPER.createObjectNode().put("id", messageId).put("type", "message")
                .put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        return message;
    }

    /** Why the answer ended, and the stop sequence that ended it when the provider says which. */
    record Stop(String reason, String sequence) {
    }

    /**
     * The stop reason of a chat choice. A chat {@code stop} is a stop sequence only when the provider names
     * the sequence it matched (vLLM's {@code stop_reason}, SGLang's {@code matched_stop}); others do not tell.
     */
    Stop stop(JsonNode choice, boolean toolUse) {
        String finish = choice.path("finish_reason").asText("stop");
        if (finish.equals("length")) {
            return new Stop("max_tokens", null);
        }
        if (toolUse || finish.equals("tool_calls") || finish.equals("function_call")) {
            return new Stop("tool_use", null);
        }
        if (finish.equals("content_filter")) {
            return new Stop("refusal", null);
        }
        for (String field : List.of("stop_reason", "matched_stop")) {
            JsonNode matched = choice.path(field);
            if (matched.isTextual() && stopSequences.contains(matched.asText())) {
                return new Stop("stop_sequence", matched.asText());
            }
        }
        return new Stop("end_turn", null);
    }

    /**
     * A tool call's id as its {@code tool_use} block's: the provider's, or a new one when it gave none or one
     * an earlier call of the answer has (the client sends each back with its result, and must tell them apart).
     *
     * @param used the ids of the answer's calls so far; the one returned is added
     */
    static String toolUseId(String id, Set<String> used) {
        String unique = id.isEmpty() || used.contains(id) ? "toolu_" + UUID.randomUUID().toString().replace("-", "") : id;
        used.add(unique);
        return unique;
    }

    /** Anthropic counts cached input apart from the rest of the input. */
    static ObjectNode usage(Usage usage) {
        return Json.MAPPER.createObjectNode()
                .put("input_tokens", Math.max(0, usage.promptTokens() - usage.cachedTokens()))
                .put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", usage.cachedTokens())
                .put("output_tokens", usage.completionTokens());
    }

    /** A chat message's or delta's reasoning: {@code reasoning_content}, or OpenRouter's {@code reasoning}. */
    static String reasoning(JsonNode message) {
        JsonNode reasoning = message.path("reasoning_content");
        return (reasoning.isTextual() ? reasoning : message.path("reasoning")).asText("");
    }

    /**
     * A tool call's arguments as the tool's input. Arguments that are not a JSON object (a model's broken
     * JSON) become an empty input: the client's tool then reports what is missing, and the model tries
     * again, where a failed answer would end the turn.
     */
    static JsonNode input(String arguments) {
        try {
            JsonNode input = arguments.isBlank() ? null : Json.MAPPER.readTree(arguments);
            return input != null && input.isObject() ? input : Json.MAPPER.createObjectNode();
        } catch (IOException notJson) {
            return Json.MAPPER.createObjectNode();
        }
    }
}
