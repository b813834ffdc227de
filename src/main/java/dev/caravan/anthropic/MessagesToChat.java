package dev.caravan.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.DroppedTools;
import dev.caravan.json.Json;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An Anthropic Messages request as one Chat Completions request: a pure function of the JSON, so any
 * step (the edge translator, count_tokens) can use it. Members without a chat equivalent
 * ({@code top_k}, {@code cache_control}, {@code context_management}, {@code container}, …) are left out,
 * not refused; server tools (web search, bash, text editor, code execution) no chat provider runs are
 * left out and named in {@link Chat#droppedTools()}.
 *
 * <p>Content blocks without a chat equivalent (tool references of a tool search, search results, server
 * tools' calls and results from turns Anthropic served, tool additions, compaction summaries, …) become
 * text, so a session that used them goes on; what no chat model can use (encrypted content, container
 * uploads, fallback markers) is left out. Only malformed input, and blocks where Anthropic's API refuses
 * them too (a {@code tool_use} in a user turn, an unknown type), are refused.
 */
final class MessagesToChat {

    /** Joins text blocks that become one chat string: blocks are separate paragraphs. */
    private static final String BLOCK_SEPARATOR = "\n\n";
    /** Dropped tool types named in the log line (the client chose them): at most this many, this long. */

    /**
     * The chat request.
     *
     * @param body         the Chat Completions body
     * @param droppedTools types of the server tools left out, in request order, bounded as {@link DroppedTools}
     *                     says (empty: none)
     */
    record Chat(ObjectNode body, List<String> droppedTools) {
    }

    /** The request's tools as its content blocks need them: which are declared, which a turn added. */
    private static final class Tools {
        final Set<String> declared = new HashSet<>();
        final ArrayNode added = Json.MAPPER.createArrayNode();
    }

    private MessagesToChat() {
    }

    /**
     * Translates a Messages request body.
     *
     * @throws GatewayException 400 {@code invalid_request_error} for invalid JSON, or what {@link
     *                          #translate(JsonNode, boolean)} refuses
     */
    static Chat translate(byte[] body, boolean needsMaxTokens) {
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
    static Chat translate(JsonNode request, boolean needsMaxTokens) {
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
        Tools tools = declared(request);
        ArrayNode conversation = Json.MAPPER.createArrayNode();
        for (int i = 0; i < turns.size(); i++) {
            turn(turns.get(i), "messages[" + i + "]", conversation, system, tools);
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
        List<String> dropped = tools(request, chat, tools);
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
    private static void turn(JsonNode turn, String where, ArrayNode messages, List<String> system, Tools tools) {
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
            assistant(content, where, messages, tools);
        } else {
            user(content, where, messages, tools);
        }
    }

    private static void user(JsonNode blocks, String where, ArrayNode messages, Tools tools) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (int i = 0; i < blocks.size(); i++) {
            String at = where + ".content[" + i + "]";
            JsonNode block = block(blocks.get(i), at);
            switch (block.path("type").asText()) {
                case "tool_result" -> messages.addObject().put("role", "tool")
                        .put("tool_call_id", block.path("tool_use_id").asText())
                        .put("content", toolResult(block, at, tools));
                case "text" -> parts.addObject().put("type", "text").put("text", block.path("text").asText());
                case "image" -> parts.addObject().put("type", "image_url").putObject("image_url")
                        .put("url", imageUrl(block.path("source"), at));
                // the model's own blocks have no place in a user turn (Anthropic refuses them too)
                case "tool_use", "thinking", "redacted_thinking" -> throw unsupported(block, at);
                default -> {
                    String text = rendered(block, at, tools);
                    if (text != null) {
                        parts.addObject().put("type", "text").put("text", text);
                    }
                }
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

    private static void assistant(JsonNode blocks, String where, ArrayNode messages, Tools tools) {
        List<String> text = new ArrayList<>();
        List<String> reasoning = new ArrayList<>();
        boolean reasoned = false;
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (int i = 0; i < blocks.size(); i++) {
            String at = where + ".content[" + i + "]";
            JsonNode block = block(blocks.get(i), at);
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
                // a client's blocks have no place in an assistant turn (Anthropic refuses them too)
                case "tool_result", "image" -> throw unsupported(block, at);
                // server tools' calls and results (a turn Anthropic served), compaction, …: their text
                default -> {
                    String rendered = rendered(block, at, tools);
                    if (rendered != null) {
                        text.add(rendered);
                    }
                }
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
    private static String toolResult(JsonNode block, String where, Tools tools) {
        JsonNode content = block.path("content");
        String text;
        if (content.isMissingNode() || content.isNull()) {
            text = "";
        } else if (content.isTextual()) {
            text = content.asText();
        } else if (content.isArray()) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < content.size(); i++) {
                String at = where + ".content[" + i + "]";
                JsonNode part = block(content.get(i), at);
                switch (part.path("type").asText()) {
                    case "text" -> parts.add(part.path("text").asText());
                    case "image" -> parts.add("[image omitted: tool results carry text only here]");
                    // a tool search found a deferred tool: its definition is in the request's tools
                    case "tool_reference" -> parts.add(toolReference(requiredText(part, "tool_name", at), tools));
                    case "document", "search_result", "browser_state" -> parts.add(rendered(part, at, tools));
                    default -> throw unsupported(part, at);
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

    /**
     * A block without a chat equivalent as text, or {@code null} when nothing in it is of use to a chat model.
     *
     * @throws GatewayException 400 for a type Anthropic's API does not know either
     */
    private static String rendered(JsonNode block, String where, Tools tools) {
        String type = block.path("type").asText();
        return switch (type) {
            case "document" -> document(block);
            case "search_result" -> searchResult(block);
            case "browser_state" -> browserState(block);
            case "tool_reference" -> toolReference(requiredText(block, "tool_name", where), tools);
            case "server_tool_use", "mcp_tool_use" -> serverToolUse(block);
            case "web_search_tool_result" -> webSearchResult(block.path("content"));
            case "web_fetch_tool_result" -> webFetchResult(block.path("content"));
            case "code_execution_tool_result", "bash_code_execution_tool_result" ->
                    codeExecutionResult(block.path("content"));
            case "text_editor_code_execution_tool_result" -> textEditorResult(block.path("content"));
            case "tool_search_tool_result" -> toolSearchResult(block.path("content"), tools);
            case "mcp_tool_result" -> mcpToolResult(block);
            case "advisor_tool_result" -> advisorResult(block.path("content"));
            case "compaction" -> nonEmpty(block.path("content").asText(""));
            case "tool_addition" -> toolAddition(block.path("tool"), tools);
            case "tool_removal" -> "Tool " + toolName(block.path("tool")) + " is no longer available.";
            case "mcp_tool_listing" -> "Tools of MCP server " + block.path("mcp_server_name").asText() + ": "
                    + String.join(", ", block.path("tools").findValuesAsText("name")) + ".";
            // a file for Anthropic's code execution container, a marker of Anthropic's own model fallback:
            // nothing a chat model can use
            case "container_upload", "fallback" -> null;
            default -> throw unsupported(block, where);
        };
    }

    /**
     * A document's text: a plain-text or content-block document as its text (titled, with its context);
     * others (PDF, a file or URL) no chat provider reads, so they are noted.
     */
    private static String document(JsonNode block) {
        JsonNode source = block.path("source");
        String text = switch (source.path("type").asText()) {
            case "text" -> source.path("data").asText();
            case "content" -> source.path("content").isTextual() ? source.path("content").asText()
                    : textOf(source.path("content"));
            case "url" -> "[document omitted: only text documents can be passed on; it is at "
                    + source.path("url").asText() + "]";
            default -> "[document omitted: only text documents can be passed on]";
        };
        List<String> parts = new ArrayList<>();
        if (block.path("title").isTextual()) {
            parts.add(block.path("title").asText());
        }
        if (block.path("context").isTextual()) {
            parts.add(block.path("context").asText());
        }
        parts.add(text);
        return String.join(BLOCK_SEPARATOR, parts);
    }

    /** A search result: its title, source and text. */
    private static String searchResult(JsonNode block) {
        return block.path("title").asText() + "\n" + block.path("source").asText() + BLOCK_SEPARATOR
                + textOf(block.path("content"));
    }

    /** A browser's tabs, one a line. */
    private static String browserState(JsonNode block) {
        StringBuilder text = new StringBuilder("Browser tabs:");
        for (JsonNode tab : block.path("tabs")) {
            text.append("\n- ").append(tab.path("title").asText()).append(" <").append(tab.path("url").asText())
                    .append('>').append(tab.path("active").asBoolean(false) ? " (active)" : "");
        }
        return text.toString();
    }

    /**
     * A tool a tool search found. Claude Code declares every deferred tool in {@code tools} ({@code
     * defer_loading}), and so the function is already declared to the provider.
     */
    private static String toolReference(String name, Tools tools) {
        return tools.declared.contains(name) ? "Tool " + name + " is now available."
                : "Tool " + name + " was found, but it is not available in this conversation.";
    }

    /** A call of a tool Anthropic ran (web search, code execution, an MCP server's tool). */
    private static String serverToolUse(JsonNode block) {
        String server = block.path("server_name").asText("");
        return "[called " + (server.isEmpty() ? "" : server + "/") + block.path("name").asText() + " with "
                + (block.path("input").isMissingNode() ? "{}" : block.path("input").toString()) + "]";
    }

    private static String webSearchResult(JsonNode content) {
        if (!content.isArray()) {
            return "Web search failed: " + content.path("error_code").asText("error") + ".";
        }
        StringBuilder text = new StringBuilder("Web search results:");
        for (JsonNode result : content) {
            text.append("\n- ").append(result.path("title").asText()).append(" <")
                    .append(result.path("url").asText()).append('>');
            if (result.path("page_age").isTextual()) {
                text.append(" (").append(result.path("page_age").asText()).append(')');
            }
        }
        return text.toString();
    }

    private static String webFetchResult(JsonNode content) {
        if (!content.path("type").asText().equals("web_fetch_result")) {
            return "Web fetch failed: " + content.path("error_code").asText("error") + ".";
        }
        return "Fetched " + content.path("url").asText() + ":" + BLOCK_SEPARATOR + document(content.path("content"));
    }

    /** Code execution's result: the exit code, stdout (unless encrypted) and stderr. */
    private static String codeExecutionResult(JsonNode content) {
        if (content.has("error_code")) {
            return "Code execution failed: " + content.path("error_code").asText() + ".";
        }
        StringBuilder text = new StringBuilder("Code execution exited with code ")
                .append(content.path("return_code").asLong(0)).append('.');
        if (!content.path("stdout").asText("").isEmpty()) {
            text.append("\nstdout:\n").append(content.path("stdout").asText());
        }
        if (!content.path("stderr").asText("").isEmpty()) {
            text.append("\nstderr:\n").append(content.path("stderr").asText());
        }
        return text.toString();
    }

    private static String textEditorResult(JsonNode content) {
        return switch (content.path("type").asText()) {
            case "text_editor_code_execution_view_result" -> content.path("content").asText();
            case "text_editor_code_execution_create_result" ->
                    content.path("is_file_update").asBoolean(false) ? "File updated." : "File created.";
            case "text_editor_code_execution_str_replace_result" -> {
                StringBuilder text = new StringBuilder("Replaced.");
                content.path("lines").forEach(line -> text.append('\n').append(line.asText()));
                yield text.toString();
            }
            default -> "Text editor failed: " + content.path("error_message").asText(
                    content.path("error_code").asText("error"));
        };
    }

    private static String toolSearchResult(JsonNode content, Tools tools) {
        if (!content.path("tool_references").isArray()) {
            return "Tool search failed: " + content.path("error_message").asText(
                    content.path("error_code").asText("error"));
        }
        List<String> found = new ArrayList<>();
        for (JsonNode reference : content.path("tool_references")) {
            found.add(toolReference(reference.path("tool_name").asText(), tools));
        }
        return found.isEmpty() ? "No tools found." : String.join("\n", found);
    }

    private static String mcpToolResult(JsonNode block) {
        JsonNode content = block.path("content");
        String text = content.isTextual() ? content.asText() : textOf(content);
        return block.path("is_error").asBoolean(false) ? "Error: " + text : text;
    }

    /** The advisor's advice; a redacted one is encrypted, nothing to read. */
    private static String advisorResult(JsonNode content) {
        return switch (content.path("type").asText()) {
            case "advisor_result" -> content.path("text").asText();
            case "advisor_redacted_result" -> null;
            default -> "Advisor failed: " + content.path("error_code").asText("error") + ".";
        };
    }

    /** A tool added mid-conversation; one defined right here is declared to the provider too. */
    private static String toolAddition(JsonNode tool, Tools tools) {
        JsonNode definition = tool.path("definition");
        if (definition.path("name").isTextual() && definition.path("input_schema").isObject()
                && !tools.declared.contains(definition.path("name").asText())) {
            tools.declared.add(definition.path("name").asText());
            tools.added.add(definition);
        }
        return "Tool " + toolName(tool) + " is now available.";
    }

    /** The name of a tool change's tool: a tool, an MCP server's tool, all of an MCP server's tools. */
    private static String toolName(JsonNode tool) {
        String name = tool.path("name").asText(tool.path("definition").path("name").asText(""));
        String server = tool.path("server_name").asText("");
        return server.isEmpty() ? name : name.isEmpty() ? "set of MCP server " + server : server + "/" + name;
    }

    /** The text of text blocks (other blocks among them left out). */
    private static String textOf(JsonNode blocks) {
        List<String> texts = new ArrayList<>();
        for (JsonNode block : blocks) {
            if (block.path("type").asText().equals("text")) {
                texts.add(block.path("text").asText());
            }
        }
        return String.join(BLOCK_SEPARATOR, texts);
    }

    private static String nonEmpty(String text) {
        return text.isEmpty() ? null : text;
    }

    /** The names of the request's custom tools, as the content blocks need them (checked by {@link #tools}). */
    private static Tools declared(JsonNode request) {
        Tools tools = new Tools();
        for (JsonNode tool : request.path("tools")) {
            if (tool.path("name").isTextual() && tool.has("input_schema")) {
                tools.declared.add(tool.path("name").asText());
            }
        }
        return tools;
    }

    /**
     * Custom tools, and those a turn defined, become functions; server tools (a {@code type} and no schema) are
     * left out and named.
     */
    private static List<String> tools(JsonNode request, ObjectNode chat, Tools declared) {
        Set<String> dropped = new LinkedHashSet<>();
        JsonNode tools = optional(request, "tools");
        ArrayNode functions = Json.MAPPER.createArrayNode();
        for (JsonNode tool : tools == null ? Json.MAPPER.createArrayNode()
                : typed(tools, "tools", JsonNodeType.ARRAY, "an array")) {
            typed(tool, "tools", JsonNodeType.OBJECT, "an array of objects");
            String type = tool.path("type").asText("custom");
            if (!tool.has("input_schema") && !type.equals("custom")) {
                DroppedTools.add(dropped, type);
                continue;
            }
            function(functions, tool);
        }
        for (JsonNode tool : declared.added) {
            function(functions, tool);
        }
        if (functions.isEmpty()) {
            return List.copyOf(dropped); // a tool choice without tools is an error for chat providers
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
        return List.copyOf(dropped);
    }

    private static void function(ArrayNode functions, JsonNode tool) {
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

    /** A required string member of a block. */
    private static String requiredText(JsonNode block, String name, String where) {
        JsonNode value = block.get(name);
        if (value == null || value.isNull()) {
            throw invalid("missing_required_parameter", where + "." + name + ": Field required.", where + "." + name);
        }
        return typed(value, where + "." + name, JsonNodeType.STRING, "a string").asText();
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
