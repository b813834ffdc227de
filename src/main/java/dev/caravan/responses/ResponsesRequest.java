package dev.caravan.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.DroppedTools;
import dev.caravan.json.Json;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.request.ClientRequest;
import dev.caravan.request.GatewayRequest;
import dev.caravan.usage.SpendLimits;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Route step: a Responses API request ({@code POST /v1/responses}) as one chat completion, validated like any
 * other, with the {@link ResponsesTranslation} that turns its answer back. Only what chat completions
 * understand is sent on; the rest of the request is echoed in the response, as the Responses API does.
 */
@Component("responsesRequest")
class ResponsesRequest implements Processor {

    /** What to do instead of asking for state stored by the server, which a stateless gateway does not keep. */
    private static final String STATELESS = "Caravan is stateless: send the whole conversation as 'input' "
            + "with 'store': false.";

    /** Bounds of what the client's tool types put in the log line: how many types, and how long each. */

    @Override
    public void process(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        JsonNode request = parse(body == null ? new byte[0] : body);
        refuseState(request);
        Set<String> dropped = new LinkedHashSet<>();
        ToolNames names = new ToolNames(topLevelFunctions(request.path("tools")));
        ObjectNode chat = Json.MAPPER.createObjectNode();
        chat.put("model", string(request, "model", "model"));
        chat.set("messages", messages(request, names));
        tools(request, names, dropped, chat);
        options(request, chat);
        OpenAiRequest translated = OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS, bytes(chat));
        ClientRequest.accept(exchange, translated);
        GatewayRequest.of(exchange).translation(new ResponsesTranslation(request, names,
                dropped.isEmpty() ? null : String.join(",", dropped), SpendLimits.promptTokens(translated)));
    }

    private static JsonNode parse(byte[] body) {
        JsonNode request;
        try {
            request = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw invalid("invalid_json", "The request body is not valid JSON: " + e.getMessage(), null);
        }
        if (request == null || !request.isObject()) {
            throw invalid("invalid_json", "The request body must be a JSON object.", null);
        }
        if (!request.hasNonNull("input")) {
            throw invalid("missing_required_parameter", "Missing required parameter: 'input'.", "input");
        }
        return request;
    }

    private static void refuseState(JsonNode request) {
        for (String member : new String[] {"previous_response_id", "conversation"}) {
            if (request.hasNonNull(member)) {
                throw unsupported("'" + member + "' refers to state stored by the server. " + STATELESS, member);
            }
        }
        if (request.path("store").asBoolean(false)) {
            throw unsupported("'store': true asks the server to keep the response. " + STATELESS, "store");
        }
        if (request.path("background").asBoolean(false)) {
            throw unsupported("'background': true needs a stored response to poll. " + STATELESS, "background");
        }
    }

    // ---- input: instructions and items as chat messages

    private static ArrayNode messages(JsonNode request, ToolNames names) {
        Conversation conversation = new Conversation();
        String instructions = optional(request, "instructions", "instructions");
        if (instructions != null) {
            conversation.system(instructions);
        }
        JsonNode input = request.get("input");
        if (input.isTextual()) {
            conversation.add(message("user", input.textValue()));
        } else if (input.isArray()) {
            for (int i = 0; i < input.size(); i++) {
                item(input.get(i), "input[" + i + "]", names, conversation);
            }
        } else {
            throw invalidType("input", "a string or an array of input items");
        }
        return conversation.messages();
    }

    private static void item(JsonNode item, String param, ToolNames names, Conversation conversation) {
        if (!item.isObject()) {
            throw invalidType(param, "an input item object");
        }
        String type = item.hasNonNull("type") ? string(item, "type", param + ".type") : "message";
        switch (type) {
            case "message" -> inputMessage(item, param, conversation);
            case "function_call" -> toolCall(item, param, names, conversation,
                    string(item, "arguments", param + ".arguments"));
            // a custom tool is a chat function taking its input as the string 'input'
            case "custom_tool_call" -> toolCall(item, param, names, conversation, Json.MAPPER.createObjectNode()
                    .put("input", string(item, "input", param + ".input")).toString());
            case "function_call_output", "custom_tool_call_output" ->
                    conversation.add(message("tool", callOutput(item.get("output"), param))
                            .put("tool_call_id", string(item, "call_id", param + ".call_id")));
            case "reasoning" -> conversation.reasoning(reasoning(item));
            default -> throw invalid("invalid_value", "Input items of type '" + type + "' are not supported: "
                    + "Caravan sends messages, function and custom tool calls, their outputs and reasoning to chat "
                    + "providers.",
                    param + ".type");
        }
    }

    /** A call the client sends back: a tool call of the assistant turn it joins. */
    private static void toolCall(JsonNode item, String param, ToolNames names, Conversation conversation,
                                 String arguments) {
        String namespace = optional(item, "namespace", param + ".namespace");
        ObjectNode call = conversation.assistant().withArray("tool_calls").addObject();
        call.put("id", string(item, "call_id", param + ".call_id")).put("type", "function");
        call.putObject("function").put("name", names.chatName(namespace, string(item, "name", param + ".name")))
                .put("arguments", arguments);
    }

    private static void inputMessage(JsonNode item, String param, Conversation conversation) {
        String role = string(item, "role", param + ".role");
        JsonNode content = item.get("content");
        String contentParam = param + ".content";
        switch (role) {
            case "user" -> conversation.add(userMessage(content, contentParam));
            case "system", "developer" -> conversation.system(text(content, contentParam));
            case "assistant" -> conversation.assistantMessage(text(content, contentParam));
            default -> throw invalid("invalid_value", "Invalid role '" + role
                    + "': expected user, assistant, system or developer.", param + ".role");
        }
    }

    /**
     * A user message: one string when it is text alone (not every provider takes an array of text parts), else
     * chat content parts (images, files).
     */
    private static ObjectNode userMessage(JsonNode content, String param) {
        boolean textOnly = true;
        if (content != null && content.isArray()) {
            for (JsonNode part : content) {
                textOnly &= isText(part);
            }
        }
        if (!textOnly) {
            ObjectNode message = Json.MAPPER.createObjectNode().put("role", "user");
            ArrayNode parts = message.putArray("content");
            for (int i = 0; i < content.size(); i++) {
                parts.add(part(content.get(i), param + "[" + i + "]"));
            }
            return message;
        }
        return message("user", text(content, param));
    }

    private static ObjectNode part(JsonNode part, String param) {
        String type = string(part, "type", param + ".type");
        ObjectNode chat = Json.MAPPER.createObjectNode();
        switch (type) {
            case "input_text", "output_text" -> chat.put("type", "text").put("text", string(part, "text", param + ".text"));
            case "input_image" -> {
                if (!part.hasNonNull("image_url")) {
                    throw unsupported("Images by 'file_id' are files stored by OpenAI; send 'image_url' "
                            + "(a URL or a data: URL) instead.", param + ".image_url");
                }
                ObjectNode image = chat.put("type", "image_url").putObject("image_url")
                        .put("url", string(part, "image_url", param + ".image_url"));
                if (part.hasNonNull("detail")) {
                    image.put("detail", string(part, "detail", param + ".detail"));
                }
            }
            case "input_file" -> {
                ObjectNode file = chat.put("type", "file").putObject("file");
                for (String field : new String[] {"file_id", "file_data", "filename"}) {
                    String value = optional(part, field, param + "." + field);
                    if (value != null) {
                        file.put(field, value);
                    }
                }
            }
            default -> throw invalid("invalid_value", "Content parts of type '" + type + "' are not supported.",
                    param + ".type");
        }
        return chat;
    }

    /** Message content as one string: a string, or the text of its parts. */
    private static String text(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        if (!content.isArray()) {
            throw invalidType(param, "a string or an array of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String partParam = param + "[" + i + "]";
            if (!isText(part) && !"refusal".equals(part.path("type").textValue())) {
                throw invalid("invalid_value", "Only text can be part of this message.", partParam + ".type");
            }
            if (!text.isEmpty()) {
                text.append("\n\n");
            }
            text.append(string(part, isText(part) ? "text" : "refusal", partParam));
        }
        return text.toString();
    }

    private static boolean isText(JsonNode part) {
        String type = part.path("type").textValue();
        return "input_text".equals(type) || "output_text".equals(type);
    }

    /** A function's output: a string, or the text of its content parts (an image has no place in a tool message). */
    private static String callOutput(JsonNode output, String param) {
        if (output == null || output.isNull()) {
            throw invalid("missing_required_parameter", "Missing required parameter: '" + param + ".output'.",
                    param + ".output");
        }
        if (output.isTextual()) {
            return output.textValue();
        }
        if (!output.isArray()) {
            return output.toString();
        }
        StringBuilder text = new StringBuilder();
        output.forEach(part -> {
            if (part.hasNonNull("text")) {
                text.append(text.isEmpty() ? "" : "\n").append(part.path("text").asText());
            }
        });
        return text.toString();
    }

    /** The text of a reasoning item: its reasoning text if it has any, else its summary; not its encrypted form. */
    private static String reasoning(JsonNode item) {
        StringBuilder content = new StringBuilder();
        item.path("content").forEach(part -> append(content, part.path("text").asText("")));
        if (!content.isEmpty()) {
            return content.toString();
        }
        StringBuilder summary = new StringBuilder();
        item.path("summary").forEach(part -> append(summary, part.path("text").asText("")));
        return summary.toString();
    }

    private static void append(StringBuilder text, String more) {
        if (!more.isEmpty()) {
            text.append(text.isEmpty() ? "" : "\n\n").append(more);
        }
    }

    private static ObjectNode message(String role, String content) {
        return Json.MAPPER.createObjectNode().put("role", role).put("content", content);
    }

    /**
     * Chat messages as the input items come. Function calls join the assistant message before them (one
     * assistant turn); reasoning goes on the next assistant message as {@code reasoning_content}, which
     * DeepSeek's thinking mode requires on a turn with tool calls. System and developer messages, wherever
     * they come (Codex sends some later in the conversation), and the instructions join one system message at
     * the start: some chat templates (Qwen's) refuse a system message anywhere else.
     */
    private static final class Conversation {
        private final ArrayNode messages = Json.MAPPER.createArrayNode();
        private final List<String> system = new ArrayList<>();
        private ObjectNode assistant;
        private final StringBuilder reasoning = new StringBuilder();

        /** The chat messages: the system message first, then the conversation. */
        ArrayNode messages() {
            List<String> texts = system.stream().filter(text -> !text.isEmpty()).toList();
            if (texts.isEmpty()) {
                return messages;
            }
            ArrayNode all = Json.MAPPER.createArrayNode().add(message("system", String.join("\n\n", texts)));
            return all.addAll(messages);
        }

        /** A system or developer message; it leaves the assistant turn open (it is not in the conversation). */
        void system(String text) {
            system.add(text);
        }

        void add(ObjectNode message) {
            messages.add(message);
            assistant = null;
            reasoning.setLength(0);
        }

        void reasoning(String text) {
            append(reasoning, text);
        }

        /**
         * Assistant text. Text right after tool calls (a model may write after its calls, streamed as a message
         * item after the function call items) joins the message with the calls: a message between the calls
         * and their tool messages would make the history invalid ("tool must follow tool_calls").
         */
        void assistantMessage(String content) {
            if (assistant != null && assistant.has("tool_calls")) {
                JsonNode before = assistant.get("content");
                assistant().put("content", before != null && before.isTextual() && !before.textValue().isEmpty()
                        ? before.textValue() + "\n\n" + content : content);
                return;
            }
            assistant = null;
            assistant().put("content", content);
        }

        /** The assistant message function calls join: the last message if it is one, else a new one. */
        ObjectNode assistant() {
            if (assistant == null) {
                assistant = Json.MAPPER.createObjectNode().put("role", "assistant").putNull("content");
                messages.add(assistant);
            }
            if (!reasoning.isEmpty()) {
                String before = assistant.path("reasoning_content").asText("");
                assistant.put("reasoning_content", before.isEmpty() ? reasoning.toString() : before + "\n\n" + reasoning);
                reasoning.setLength(0);
            }
            return assistant;
        }
    }

    // ---- tools

    private static Set<String> topLevelFunctions(JsonNode tools) {
        Set<String> names = new HashSet<>();
        tools.forEach(tool -> {
            String type = tool.path("type").textValue();
            if (("function".equals(type) || "custom".equals(type)) && tool.path("name").isTextual()) {
                names.add(tool.path("name").textValue());
            }
        });
        return names;
    }

    /**
     * Functions and custom (free-form) tools, and those of namespaces, become chat functions; built-in tools
     * (web search, file search, code interpreter…) run on OpenAI's servers only, so they are left out and
     * named in {@code dropped}.
     */
    private static void tools(JsonNode request, ToolNames names, Set<String> dropped, ObjectNode chat) {
        JsonNode tools = request.get("tools");
        if (tools == null || tools.isNull()) {
            return;
        }
        if (!tools.isArray()) {
            throw invalidType("tools", "an array of tools");
        }
        ArrayNode functions = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String param = "tools[" + i + "]";
            String type = string(tool, "type", param + ".type");
            if (type.equals("function")) {
                functions.add(function(tool, null, param, names));
            } else if (type.equals("custom")) {
                functions.add(customFunction(tool, null, param, names));
            } else if (type.equals("namespace")) {
                String namespace = string(tool, "name", param + ".name");
                JsonNode members = tool.path("tools");
                for (int j = 0; j < members.size(); j++) {
                    String memberParam = param + ".tools[" + j + "]";
                    String memberType = string(members.get(j), "type", memberParam + ".type");
                    if (memberType.equals("function")) {
                        functions.add(function(members.get(j), namespace, memberParam, names));
                    } else if (memberType.equals("custom")) {
                        functions.add(customFunction(members.get(j), namespace, memberParam, names));
                    } else {
                        DroppedTools.add(dropped, memberType);
                    }
                }
            } else {
                DroppedTools.add(dropped, type);
            }
        }
        if (functions.isEmpty()) {
            return;
        }
        chat.set("tools", functions);
        JsonNode choice = toolChoice(request.get("tool_choice"), names);
        if (choice != null) {
            chat.set("tool_choice", choice);
        }
        if (request.has("parallel_tool_calls")) {
            chat.set("parallel_tool_calls", request.get("parallel_tool_calls"));
        }
    }

    private static ObjectNode function(JsonNode tool, String namespace, String param, ToolNames names) {
        ObjectNode chat = Json.MAPPER.createObjectNode().put("type", "function");
        ObjectNode function = chat.putObject("function")
                .put("name", names.chatName(namespace, string(tool, "name", param + ".name")));
        for (String field : new String[] {"description", "parameters", "strict"}) {
            if (tool.hasNonNull(field)) {
                function.set(field, tool.get(field));
            }
        }
        return chat;
    }

    /**
     * A custom (free-form) tool as a chat function: chat functions take JSON, so its input is the one string
     * parameter {@code input}; its format (a grammar, which chat providers cannot enforce) is told to the model
     * in the description.
     */
    private static ObjectNode customFunction(JsonNode tool, String namespace, String param, ToolNames names) {
        ObjectNode chat = Json.MAPPER.createObjectNode().put("type", "function");
        ObjectNode function = chat.putObject("function")
                .put("name", names.customChatName(namespace, string(tool, "name", param + ".name")));
        StringBuilder description = new StringBuilder(optionalText(tool, "description"));
        append(description, "Put the tool's whole input, as the tool reads it, in the string 'input'.");
        JsonNode format = tool.path("format");
        String definition = optionalText(format, "definition");
        if (!definition.isEmpty()) {
            String syntax = optionalText(format, "syntax");
            description.append(" The input must follow this ").append(syntax.isEmpty() ? "" : syntax + " ")
                    .append("grammar:\n").append(definition);
        }
        function.put("description", description.toString());
        ObjectNode parameters = function.putObject("parameters").put("type", "object");
        parameters.putObject("properties").putObject("input").put("type", "string")
                .put("description", "The tool's input.");
        parameters.putArray("required").add("input");
        parameters.put("additionalProperties", false);
        return chat;
    }

    /** A string member, or {@code ""} when it is absent or not a string (a client's optional text). */
    private static String optionalText(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value != null && value.isTextual() ? value.textValue() : "";
    }

    /** {@code auto}, {@code none}, {@code required} or one function; a choice of a built-in tool is left out. */
    private static JsonNode toolChoice(JsonNode choice, ToolNames names) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual()) {
            return choice;
        }
        if ("function".equals(choice.path("type").textValue()) || "custom".equals(choice.path("type").textValue())) {
            ObjectNode chat = Json.MAPPER.createObjectNode().put("type", "function");
            chat.putObject("function").put("name", names.chatName(null, string(choice, "name", "tool_choice.name")));
            return chat;
        }
        if ("allowed_tools".equals(choice.path("type").textValue()) && choice.path("mode").isTextual()) {
            return choice.get("mode");
        }
        return null;
    }

    // ---- options

    private static void options(JsonNode request, ObjectNode chat) {
        copy(request, "temperature", JsonNodeType.NUMBER, chat, "temperature");
        copy(request, "top_p", JsonNodeType.NUMBER, chat, "top_p");
        copy(request, "max_output_tokens", JsonNodeType.NUMBER, chat, "max_tokens");
        // checked here, under its own name: the chat request's check would name max_tokens
        JsonNode max = chat.get("max_tokens");
        if (max != null && !max.isIntegralNumber()) {
            throw invalidType("max_output_tokens", "an integer");
        }
        if (max != null && max.canConvertToLong() && max.asLong() < 1) {
            throw invalid("integer_below_min_value", "Invalid 'max_output_tokens': integer below minimum value. "
                    + "Expected a value >= 1, but got " + max.asLong() + " instead.", "max_output_tokens");
        }
        copy(request, "user", JsonNodeType.STRING, chat, "user");
        JsonNode effort = request.path("reasoning").path("effort");
        if (effort.isTextual()) {
            chat.set("reasoning_effort", effort);
        }
        JsonNode format = request.path("text").path("format");
        String formatType = format.path("type").asText("text");
        if (formatType.equals("json_object")) {
            chat.putObject("response_format").put("type", "json_object");
        } else if (formatType.equals("json_schema")) {
            ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
            schema.put("name", string(format, "name", "text.format.name"));
            for (String field : new String[] {"description", "schema", "strict"}) {
                if (format.hasNonNull(field)) {
                    schema.set(field, format.get(field));
                }
            }
        }
        if (request.path("stream").asBoolean(false)) {
            chat.put("stream", true);
            // the usage chunk: the response.completed event carries usage
            chat.putObject("stream_options").put("include_usage", true);
        }
    }

    private static void copy(JsonNode request, String name, JsonNodeType type, ObjectNode chat, String chatName) {
        JsonNode value = request.get(name);
        if (value == null || value.isNull()) {
            return;
        }
        if (value.getNodeType() != type) {
            throw invalidType(name, type == JsonNodeType.NUMBER ? "a number" : "a string");
        }
        chat.set(chatName, value);
    }

    // ---- members and errors

    /** A required string member; {@code param} is its path in the request, for errors. */
    private static String string(JsonNode node, String name, String param) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw invalid("missing_required_parameter", "Missing required parameter: '" + param + "'.", param);
        }
        if (!value.isTextual()) {
            throw invalidType(param, "a string");
        }
        return value.textValue();
    }

    /** A string member that may be absent ({@code null}). */
    private static String optional(JsonNode node, String name, String param) {
        return node.hasNonNull(name) ? string(node, name, param) : null;
    }

    private static GatewayException invalid(String code, String message, String param) {
        return new GatewayException(OpenAiError.invalidRequest(code, message, param));
    }

    private static GatewayException invalidType(String param, String expected) {
        return invalid("invalid_type", "Invalid type for '" + param + "': expected " + expected + ".", param);
    }

    private static GatewayException unsupported(String message, String param) {
        return invalid("unsupported_parameter", message, param);
    }

    private static byte[] bytes(ObjectNode chat) {
        try {
            return Json.MAPPER.writeValueAsBytes(chat);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a tree always serialises
        }
    }
}
