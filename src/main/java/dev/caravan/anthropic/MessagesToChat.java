package dev.caravan.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.Json;
import dev.caravan.openai.OpenAiError;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An Anthropic Messages request as one Chat Completions request: a pure function of the JSON, so any
 * step (the edge translator, count_tokens) can use it. Members without a chat equivalent
 * ({@code top_k}, {@code cache_control}, {@code context_management}, {@code container}, …) are left out,
 * not refused; server tools (web search, bash, text editor, code execution) no chat provider runs are
 * left out and named in {@link Chat#droppedTools()}.
 */
public final class MessagesToChat {

    /** Joins text blocks that become one chat string: blocks are separate paragraphs. */
    private static final String BLOCK_SEPARATOR = "\n\n";

    /**
     * The chat request.
     *
     * @param body         the Chat Completions body
     * @param droppedTools types of the server tools left out, in request order (empty: none)
     */
    public record Chat(ObjectNode body, List<String> droppedTools) {
    }

    private MessagesToChat() {
    }

    /**
     * Translates a Messages request body.
     *
     * @throws GatewayException 400 {@code invalid_request_error} for invalid JSON, or what {@link
     *                          #translate(JsonNode, boolean)} refuses
     */
    public static Chat translate(byte[] body, boolean needsMaxTokens) {
        JsonNode request;
        try {
            request = body == null || body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw invalid("invalid_json", "The request body is not valid JSON: " + e.getMessage(), null);
        }
        if (request == null) {
            throw invalid("invalid_json", "The request body must be a JSON object.", null);
        }
        return translate(request, needsMaxTokens);
    }

    /**
     * Translates a Messages request.
     *
     * @param request       the Anthropic request body
     * @param needsMaxTokens whether {@code max_tokens} is required (a message; not a token count)
     * @throws GatewayException 400 {@code invalid_request_error} for what Anthropic's API would refuse
     */
    public static Chat translate(JsonNode request, boolean needsMaxTokens) {
        if (!request.isObject()) {
            throw invalid("invalid_json", "The request body must be a JSON object.", null);
        }
        ObjectNode chat = Json.MAPPER.createObjectNode();
        String model = required(request, "model", JsonNodeType.STRING, "a string").asText();
        if (model.isEmpty()) {
            throw invalid("missing_required_parameter", "Missing required parameter: 'model'.", "model");
        }
        chat.put("model", model);
        ArrayNode messages = chat.putArray("messages");
        List<String> system = new ArrayList<>();
        if (optional(request, "system") != null) {
            system.add(text(request.get("system"), "system"));
        }
        JsonNode turns = required(request, "messages", JsonNodeType.ARRAY, "an array");
        ArrayNode conversation = Json.MAPPER.createArrayNode();
        for (int i = 0; i < turns.size(); i++) {
            turn(turns.get(i), "messages[" + i + "]", conversation, system);
        }
        if (!system.isEmpty()) {
            messages.addObject().put("role", "system").put("content", String.join(BLOCK_SEPARATOR, system));
        }
        messages.addAll(conversation);
        JsonNode maxTokens = needsMaxTokens ? required(request, "max_tokens", JsonNodeType.NUMBER, "an integer")
                : optional(request, "max_tokens");
        if (maxTokens != null) {
            if (!maxTokens.canConvertToExactIntegral() || maxTokens.asLong() < 1) {
                throw invalid("invalid_value", "'max_tokens' must be a positive integer.", "max_tokens");
            }
            chat.put("max_tokens", maxTokens.asLong());
        }
        for (String name : List.of("temperature", "top_p")) {
            JsonNode value = optional(request, name);
            if (value != null) {
                chat.set(name, typed(value, name, JsonNodeType.NUMBER, "a number"));
            }
        }
        JsonNode stop = optional(request, "stop_sequences");
        if (stop != null) {
            ArrayNode sequences = chat.putArray("stop");
            for (JsonNode s : typed(stop, "stop_sequences", JsonNodeType.ARRAY, "an array of strings")) {
                sequences.add(typed(s, "stop_sequences", JsonNodeType.STRING, "an array of strings").asText());
            }
        }
        List<String> dropped = tools(request, chat);
        JsonNode thinking = optional(request, "thinking");
        if (thinking != null) {
            String effort = effort(typed(thinking, "thinking", JsonNodeType.OBJECT, "an object"));
            if (effort != null) {
                chat.put("reasoning_effort", effort);
            }
        }
        JsonNode metadata = optional(request, "metadata");
        if (metadata != null && typed(metadata, "metadata", JsonNodeType.OBJECT, "an object")
                .path("user_id").isTextual()) {
            chat.put("user", metadata.path("user_id").asText());
        }
        JsonNode stream = optional(request, "stream");
        if (stream != null && typed(stream, "stream", JsonNodeType.BOOLEAN, "a boolean").asBoolean()) {
            // the usage chunk carries the token counts message_delta reports
            chat.put("stream", true).putObject("stream_options").put("include_usage", true);
        }
        return new Chat(chat, dropped);
    }

    /**
     * One turn: a user turn's tool results become tool messages, ahead of the rest of its content. A system
     * turn (Claude Code sends one after the first user turn) joins the system message at the start: some
     * chat templates (Qwen's) refuse a system message anywhere else.
     */
    private static void turn(JsonNode turn, String where, ArrayNode messages, List<String> system) {
        typed(turn, where, JsonNodeType.OBJECT, "an object");
        String role = turn.path("role").asText();
        if (role.equals("system")) {
            system.add(text(turn.path("content"), where + ".content"));
            return;
        }
        if (!role.equals("user") && !role.equals("assistant")) {
            throw invalid("invalid_value", where + ".role must be 'user', 'assistant' or 'system'.", where + ".role");
        }
        JsonNode content = turn.get("content");
        if (content != null && content.isTextual()) {
            messages.addObject().put("role", role).put("content", content.asText());
            return;
        }
        if (content == null || !content.isArray()) {
            throw invalid("invalid_type", where + ".content must be a string or an array of content blocks.",
                    where + ".content");
        }
        if (role.equals("assistant")) {
            assistant(content, where, messages);
        } else {
            user(content, where, messages);
        }
    }

    private static void user(JsonNode blocks, String where, ArrayNode messages) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (int i = 0; i < blocks.size(); i++) {
            JsonNode block = block(blocks.get(i), where + ".content[" + i + "]");
            switch (block.path("type").asText()) {
                case "tool_result" -> messages.addObject().put("role", "tool")
                        .put("tool_call_id", block.path("tool_use_id").asText())
                        .put("content", toolResult(block, where + ".content[" + i + "]"));
                case "text" -> parts.addObject().put("type", "text").put("text", block.path("text").asText());
                case "image" -> parts.addObject().put("type", "image_url").putObject("image_url")
                        .put("url", imageUrl(block.path("source"), where + ".content[" + i + "]"));
                case "document" -> parts.addObject().put("type", "text").put("text", document(block));
                default -> throw unsupported(block, where + ".content[" + i + "]");
            }
        }
        if (parts.isEmpty()) {
            return;
        }
        ObjectNode message = messages.addObject().put("role", "user");
        boolean textOnly = true;
        for (JsonNode part : parts) {
            textOnly &= part.path("type").asText().equals("text");
        }
        if (textOnly) {
            // a string reaches every provider; some refuse content parts
            message.put("content", joinText(parts));
        } else {
            message.set("content", parts);
        }
    }

    private static void assistant(JsonNode blocks, String where, ArrayNode messages) {
        List<String> text = new ArrayList<>();
        List<String> reasoning = new ArrayList<>();
        boolean reasoned = false;
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (int i = 0; i < blocks.size(); i++) {
            JsonNode block = block(blocks.get(i), where + ".content[" + i + "]");
            switch (block.path("type").asText()) {
                case "text" -> text.add(block.path("text").asText());
                // DeepSeek's thinking mode needs the reasoning back on the turns of a tool loop
                case "thinking" -> {
                    reasoned = true;
                    reasoning.add(block.path("thinking").asText());
                }
                // encrypted: nothing a model can read, but the turn did reason
                case "redacted_thinking" -> reasoned = true;
                case "tool_use" -> {
                    ObjectNode call = toolCalls.addObject().put("id", block.path("id").asText()).put("type", "function");
                    JsonNode input = block.path("input");
                    call.putObject("function").put("name", block.path("name").asText())
                            .put("arguments", input.isMissingNode() || input.isNull() ? "{}" : input.toString());
                }
                default -> throw unsupported(block, where + ".content[" + i + "]");
            }
        }
        ObjectNode message = messages.addObject().put("role", "assistant");
        if (text.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", String.join(BLOCK_SEPARATOR, text));
        }
        if (reasoned) {
            message.put("reasoning_content", String.join(BLOCK_SEPARATOR, reasoning));
        }
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
    }

    /** A tool result as a tool message's text: images have no place there and are noted instead. */
    private static String toolResult(JsonNode block, String where) {
        JsonNode content = block.path("content");
        String text;
        if (content.isMissingNode() || content.isNull()) {
            text = "";
        } else if (content.isTextual()) {
            text = content.asText();
        } else if (content.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode part : content) {
                switch (part.path("type").asText()) {
                    case "text" -> parts.add(part.path("text").asText());
                    case "image" -> parts.add("[image omitted: tool results carry text only here]");
                    case "document" -> parts.add(document(part));
                    default -> throw unsupported(part, where + ".content");
                }
            }
            text = String.join(BLOCK_SEPARATOR, parts);
        } else {
            throw invalid("invalid_type", where + ".content must be a string or an array of content blocks.",
                    where + ".content");
        }
        return block.path("is_error").asBoolean(false) ? "Error: " + text : text;
    }

    /** A base64 image as a data URL, a URL image as its URL. */
    private static String imageUrl(JsonNode source, String where) {
        return switch (source.path("type").asText()) {
            case "base64" -> "data:" + source.path("media_type").asText() + ";base64," + source.path("data").asText();
            case "url" -> source.path("url").asText();
            default -> throw invalid("invalid_value", where + ".source.type must be 'base64' or 'url'.",
                    where + ".source.type");
        };
    }

    /** A plain-text document's text; other documents (PDF) no chat provider reads, so they are noted. */
    private static String document(JsonNode block) {
        JsonNode source = block.path("source");
        return source.path("type").asText().equals("text") ? source.path("data").asText()
                : "[document omitted: only plain-text documents can be passed on]";
    }

    /** Custom tools become functions; server tools (a {@code type} and no schema) are left out and named. */
    private static List<String> tools(JsonNode request, ObjectNode chat) {
        List<String> dropped = new ArrayList<>();
        JsonNode tools = optional(request, "tools");
        if (tools == null) {
            return dropped;
        }
        ArrayNode functions = Json.MAPPER.createArrayNode();
        for (JsonNode tool : typed(tools, "tools", JsonNodeType.ARRAY, "an array")) {
            typed(tool, "tools", JsonNodeType.OBJECT, "an array of objects");
            String type = tool.path("type").asText("custom");
            if (!tool.has("input_schema") && !type.equals("custom")) {
                dropped.add(type);
                continue;
            }
            if (!tool.path("name").isTextual() || !tool.path("input_schema").isObject()) {
                throw invalid("invalid_value", "A tool needs a 'name' and an 'input_schema' object.", "tools");
            }
            ObjectNode function = functions.addObject().put("type", "function").putObject("function");
            function.put("name", tool.path("name").asText());
            if (tool.path("description").isTextual()) {
                function.put("description", tool.path("description").asText());
            }
            function.set("parameters", tool.path("input_schema"));
        }
        if (functions.isEmpty()) {
            return dropped; // a tool choice without tools is an error for chat providers
        }
        chat.set("tools", functions);
        JsonNode choice = optional(request, "tool_choice");
        if (choice != null) {
            typed(choice, "tool_choice", JsonNodeType.OBJECT, "an object");
            switch (choice.path("type").asText()) {
                case "auto" -> chat.put("tool_choice", "auto");
                case "any" -> chat.put("tool_choice", "required");
                case "none" -> chat.put("tool_choice", "none");
                case "tool" -> chat.putObject("tool_choice").put("type", "function").putObject("function")
                        .put("name", choice.path("name").asText());
                default -> throw invalid("invalid_value",
                        "tool_choice.type must be 'auto', 'any', 'tool' or 'none'.", "tool_choice.type");
            }
            if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
                chat.put("parallel_tool_calls", false);
            }
        }
        return dropped;
    }

    /** Extended thinking as a reasoning effort, by its budget; adaptive or disabled: the provider's default. */
    private static String effort(JsonNode thinking) {
        if (!thinking.path("type").asText().equals("enabled")) {
            return null;
        }
        long budget = thinking.path("budget_tokens").asLong(0);
        return budget < 4_096 ? "low" : budget < 16_384 ? "medium" : "high";
    }

    /** A string, or text blocks as one string ({@code cache_control} and citations left out). */
    private static String text(JsonNode blocks, String where) {
        if (blocks.isTextual()) {
            return blocks.asText();
        }
        if (!blocks.isArray()) {
            throw invalid("invalid_type", where + " must be a string or an array of text blocks.", where);
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode block : blocks) {
            if (!block(block, where).path("type").asText().equals("text")) {
                throw invalid("invalid_value", where + " may only hold text blocks.", where);
            }
            texts.add(block.path("text").asText());
        }
        return String.join(BLOCK_SEPARATOR, texts);
    }

    private static String joinText(ArrayNode parts) {
        List<String> texts = new ArrayList<>();
        parts.forEach(p -> texts.add(p.path("text").asText()));
        return String.join(BLOCK_SEPARATOR, texts);
    }

    private static JsonNode block(JsonNode block, String where) {
        if (!block.isObject() || !block.path("type").isTextual()) {
            throw invalid("invalid_type", where + " must be a content block object with a 'type'.", where);
        }
        return block;
    }

    private static GatewayException unsupported(JsonNode block, String where) {
        return invalid("invalid_value", where + ": content blocks of type '" + block.path("type").asText()
                + "' cannot be passed on to a chat model here.", where + ".type");
    }

    private static JsonNode required(JsonNode request, String name, JsonNodeType type, String description) {
        JsonNode value = optional(request, name);
        if (value == null) {
            throw invalid("missing_required_parameter", "Missing required parameter: '" + name + "'.", name);
        }
        return typed(value, name, type, description);
    }

    /** A member, {@code null} when absent or JSON null. */
    private static JsonNode optional(JsonNode request, String name) {
        JsonNode value = request.get(name);
        return value == null || value.isNull() ? null : value;
    }

    private static JsonNode typed(JsonNode value, String name, JsonNodeType type, String description) {
        if (value.getNodeType() != type) {
            throw invalid("invalid_type", "Invalid type for '" + name + "': expected " + description + ".", name);
        }
        return value;
    }

    private static GatewayException invalid(String code, String message, String param) {
        return new GatewayException(OpenAiError.invalidRequest(code, message, param));
    }
}
