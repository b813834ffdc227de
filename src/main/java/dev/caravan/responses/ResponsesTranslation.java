package dev.caravan.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.Translation;
import dev.caravan.json.Json;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.Usage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * One Responses API request on its way back: the chat completion, or its stream, as a {@code response}. Holds
 * what the answer needs from the request: the response's id, the members it echoes, and the tool names.
 */
final class ResponsesTranslation implements Translation {

    private final String id;
    private final long createdAt = System.currentTimeMillis() / 1000;
    private final ObjectNode echo;
    private final ToolNames toolNames;
    private final String droppedTools;
    private final long promptEstimate;

    /**
     * @param request        the client's request
     * @param droppedTools   the built-in tools left out, comma-separated; {@code null}: none
     * @param promptEstimate the prompt's tokens as estimated from the chat request, for an answer without usage
     */
    ResponsesTranslation(JsonNode request, ToolNames toolNames, String droppedTools, long promptEstimate) {
        this.id = "resp_" + UUID.randomUUID().toString().replace("-", "");
        this.echo = echo(request);
        this.toolNames = toolNames;
        this.droppedTools = droppedTools;
        this.promptEstimate = promptEstimate;
    }

    @Override
    public byte[] answer(JsonNode chat) {
        JsonNode choice = chat.path("choices").path(0);
        JsonNode message = choice.path("message");
        ArrayNode output = Json.MAPPER.createArrayNode();
        String reasoning = reasoningText(message);
        if (!reasoning.isEmpty()) {
            output.add(reasoningItem(itemId("rs", output.size()), reasoning));
        }
        String content = text(message, "content");
        JsonNode calls = message.path("tool_calls");
        if (!content.isEmpty() || calls.isEmpty()) {
            output.add(messageItem(itemId("msg", output.size()), "completed", content));
        }
        long outputChars = reasoning.length() + content.length();
        Set<String> callIds = new HashSet<>();
        for (JsonNode call : calls) {
            String chatName = text(call.path("function"), "name");
            String arguments = text(call.path("function"), "arguments");
            outputChars += arguments.length();
            String callId = text(call, "id");
            if (callId.isEmpty() || !callIds.add(callId)) {
                // a call the client cannot answer without an id of its own, as the stream mints one
                callId = itemId("call", output.size());
                callIds.add(callId);
            }
            output.add(toolNames.isCustom(chatName)
                    ? customToolCallItem(itemId("ctc", output.size()), "completed", callId, chatName,
                            customInput(arguments))
                    : functionCallItem(itemId("fc", output.size()), "completed", callId, chatName, arguments));
        }
        try {
            return Json.MAPPER.writeValueAsBytes(finished(text(choice, "finish_reason"), output,
                    usage(chat.get("usage"), outputChars)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public EventStream stream(EventStream chat) {
        return new ResponsesStream(chat, this);
    }

    @Override
    public String droppedTools() {
        return droppedTools;
    }

    // ---- the response object

    /**
     * The answer's usage: the provider's, or when it sent none, an estimate as the Messages translation makes
     * (the prompt from the request's size, the answer at about four characters a token). Codex needs a
     * {@code total_tokens} to know when to compact the conversation.
     *
     * @param outputChars the characters of the answer: reasoning, text and tool call arguments
     */
    Usage usage(JsonNode chatUsage, long outputChars) {
        return chatUsage != null && chatUsage.isObject() ? Usage.of(chatUsage)
                : new Usage(promptEstimate, (outputChars + 3) / 4, 0, 0, true);
    }

    /** The response as the Responses API has it, with the request's settings echoed; {@code usage} may be null. */
    ObjectNode response(String status, ArrayNode output, Usage usage) {
        ObjectNode response = Json.MAPPER.createObjectNode();
        response.put("id", id).put("object", "response").put("created_at", createdAt).put("status", status);
        response.putNull("error");
        response.putNull("incomplete_details");
        response.setAll(echo);
        response.set("output", output);
        if (usage == null) {
            response.putNull("usage");
        } else {
            ObjectNode out = response.putObject("usage").put("input_tokens", usage.promptTokens());
            out.putObject("input_tokens_details").put("cached_tokens", usage.cachedTokens());
            out.put("output_tokens", usage.completionTokens());
            out.putObject("output_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
            out.put("total_tokens", usage.promptTokens() + usage.completionTokens());
        }
        return response;
    }

    /** A response the provider finished: complete, or incomplete when it stopped at the token limit or a filter. */
    ObjectNode finished(String finishReason, ArrayNode output, Usage usage) {
        String incomplete = switch (finishReason) {
            case "length" -> "max_output_tokens";
            case "content_filter" -> "content_filter";
            default -> null;
        };
        ObjectNode response = response(incomplete == null ? "completed" : "incomplete", output, usage);
        if (incomplete != null) {
            response.putObject("incomplete_details").put("reason", incomplete);
        }
        return response;
    }

    /** The settings a response echoes, as the client sent them or with the API's defaults. */
    private static ObjectNode echo(JsonNode request) {
        ObjectNode echo = Json.MAPPER.createObjectNode();
        echo.set("instructions", request.path("instructions").isTextual() ? request.get("instructions") : null);
        echo.set("max_output_tokens", request.get("max_output_tokens"));
        echo.set("metadata", request.path("metadata").isObject() ? request.get("metadata") : echo.objectNode());
        echo.set("model", request.get("model"));
        echo.set("parallel_tool_calls", request.path("parallel_tool_calls").isBoolean()
                ? request.get("parallel_tool_calls") : echo.booleanNode(true));
        echo.putNull("previous_response_id");
        echo.set("reasoning", request.path("reasoning").isObject() ? request.get("reasoning")
                : echo.objectNode().putNull("effort").putNull("summary"));
        echo.put("store", false);
        echo.set("temperature", request.path("temperature").isNumber() ? request.get("temperature")
                : echo.numberNode(1.0));
        echo.set("text", request.path("text").isObject() ? request.get("text")
                : echo.objectNode().set("format", echo.objectNode().put("type", "text")));
        echo.set("tool_choice", request.hasNonNull("tool_choice") ? request.get("tool_choice") : echo.textNode("auto"));
        echo.set("tools", request.path("tools").isArray() ? request.get("tools") : echo.arrayNode());
        echo.set("top_p", request.path("top_p").isNumber() ? request.get("top_p") : echo.numberNode(1.0));
        echo.put("truncation", request.path("truncation").asText("disabled"));
        echo.set("user", request.path("user").isTextual() ? request.get("user") : null);
        return echo;
    }

    // ---- output items

    /** An output item's id: its kind and the response's id, then its place in the output. */
    String itemId(String kind, int outputIndex) {
        return kind + "_" + id.substring("resp_".length()) + "_" + outputIndex;
    }

    static ObjectNode reasoningItem(String id, String text) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", id).put("type", "reasoning");
        ArrayNode summary = item.putArray("summary");
        if (text != null) {
            summary.add(summaryText(text));
        }
        return item;
    }

    static ObjectNode summaryText(String text) {
        return Json.MAPPER.createObjectNode().put("type", "summary_text").put("text", text);
    }

    static ObjectNode messageItem(String id, String status, String text) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", id).put("type", "message").put("status", status)
                .put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (text != null) {
            content.add(outputText(text));
        }
        return item;
    }

    static ObjectNode outputText(String text) {
        ObjectNode part = Json.MAPPER.createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        return part;
    }

    /** A call of a function as the client declared it. */
    ObjectNode functionCallItem(String id, String status, String callId, String chatName, String arguments) {
        return callItem("function_call", id, status, callId, chatName).put("arguments", arguments);
    }

    /**
     * A call of a custom (free-form) tool as the client declared it: its input is the string the chat function
     * took as {@code input}.
     */
    ObjectNode customToolCallItem(String id, String status, String callId, String chatName, String input) {
        return callItem("custom_tool_call", id, status, callId, chatName).put("input", input);
    }

    /** A call item with the tool's own name, and its namespace for a namespaced one. */
    private ObjectNode callItem(String type, String id, String status, String callId, String chatName) {
        ToolNames.Declared tool = toolNames.declared(chatName);
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", id).put("type", type)
                .put("status", status).put("call_id", callId).put("name", tool.name());
        if (tool.namespace() != null) {
            item.put("namespace", tool.namespace());
        }
        return item;
    }

    /** Whether a chat function name stands for a custom tool of the request. */
    boolean isCustom(String chatName) {
        return toolNames.isCustom(chatName);
    }

    /**
     * A custom tool's input from the chat function's arguments: the string {@code input}; arguments that are not
     * JSON or lack it are passed as they are (the model wrote the input itself), for the tool to judge.
     */
    static String customInput(String arguments) {
        try {
            JsonNode parsed = arguments.isBlank() ? null : Json.MAPPER.readTree(arguments);
            if (parsed != null && parsed.path("input").isTextual()) {
                return parsed.path("input").textValue();
            }
        } catch (IOException notJson) {
            // the raw arguments, below
        }
        return arguments;
    }

    /** Reasoning text of a chat message or delta: {@code reasoning_content}, or {@code reasoning} (OpenRouter). */
    static String reasoningText(JsonNode message) {
        String text = text(message, "reasoning_content");
        return text.isEmpty() ? text(message, "reasoning") : text;
    }

    /** A string member, or {@code ""} when absent, null or not a string. */
    static String text(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value != null && value.isTextual() ? value.textValue() : "";
    }
}
