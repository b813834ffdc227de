package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.json.JsonSchemas;
import java.io.IOException;

/**
 * Validation-aware fallback: whether a chat answer gives what the request asked for. JSON mode needs
 * content that parses (and satisfies {@code json_schema} when one is given); declared tools need tool-call
 * arguments that parse and satisfy the tool's {@code parameters}. Blank content in JSON mode fails too
 * (DeepSeek answers that way when it cannot).
 */
final class AnswerValidation {

    private AnswerValidation() {
    }

    /** Whether the request asks for anything to check. */
    static boolean applies(JsonNode request) {
        String format = request.path("response_format").path("type").asText("");
        return format.equals("json_object") || format.equals("json_schema") || request.path("tools").size() > 0;
    }

    /** @return why the answer fails the request, or {@code null} when it is accepted */
    static String problem(JsonNode request, JsonNode answer) {
        JsonNode message = answer.path("choices").path(0).path("message");
        JsonNode toolCalls = message.path("tool_calls");
        if (toolCalls.size() > 0) {
            for (JsonNode call : toolCalls) {
                String name = call.path("function").path("name").asText();
                JsonNode arguments = parse(call.path("function").path("arguments").asText(""));
                if (arguments == null) {
                    return "the arguments of tool call '" + name + "' are not JSON";
                }
                JsonNode parameters = toolParameters(request, name);
                if (parameters == null) {
                    return "the answer calls tool '" + name + "', which the request did not declare";
                }
                String invalid = JsonSchemas.problem(parameters, arguments);
                if (invalid != null) {
                    return "the arguments of tool call '" + name + "' do not fit its parameters: " + invalid;
                }
            }
            return null;
        }
        String format = request.path("response_format").path("type").asText("");
        if (!format.equals("json_object") && !format.equals("json_schema")) {
            return null;
        }
        JsonNode content = parse(message.path("content").asText(""));
        if (content == null) {
            return "the content is not JSON";
        }
        JsonNode schema = request.path("response_format").path("json_schema").path("schema");
        String invalid = schema.isObject() ? JsonSchemas.problem(schema, content) : null;
        return invalid == null ? null : "the content does not fit the requested schema: " + invalid;
    }

    private static JsonNode toolParameters(JsonNode request, String name) {
        for (JsonNode tool : request.path("tools")) {
            if (name.equals(tool.path("function").path("name").asText())) {
                JsonNode parameters = tool.path("function").path("parameters");
                return parameters.isObject() ? parameters : Json.MAPPER.createObjectNode();
            }
        }
        return null;
    }

    private static JsonNode parse(String text) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }
}
