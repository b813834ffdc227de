package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.FakeProviders.Received;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An upstream that plays a language model for the smoke suite: it reads each request (tools, response
 * format, the repository files, the file to fix) and answers it correctly, except in the ways it is told
 * to get wrong. A test double: it may recognise the suite's prompts; the demo provider may not.
 */
final class ScriptedModel {

    /** The mistakes a model can be scripted to make, each failing one check. */
    enum Mistake { BAD_TOOL_ARGUMENTS, INVALID_JSON, NO_STREAM_USAGE, WRONG_ERROR_SHAPE, EDIT_DOES_NOT_APPLY }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PORT = Pattern.compile("port = (\\d+)");
    private static final Pattern MULTIPLIER = Pattern.compile("def (\\w+)\\(a, b\\):\\n\\s+return a \\* b");
    private static final Pattern TO_FIX = Pattern.compile("def (\\w+)\\(width, height\\):");

    private final Set<Mistake> mistakes;

    private ScriptedModel(Set<Mistake> mistakes) {
        this.mistakes = mistakes;
    }

    static ScriptedModel correct() {
        return new ScriptedModel(EnumSet.noneOf(Mistake.class));
    }

    static ScriptedModel making(Mistake first, Mistake... more) {
        return new ScriptedModel(EnumSet.of(first, more));
    }

    Answer answer(Received request) {
        JsonNode body = request.json();
        if (body.path("temperature").asDouble(1) > 2) {
            return Answer.json(400, mistakes.contains(Mistake.WRONG_ERROR_SHAPE)
                    ? "{\"detail\":\"temperature out of range\"}"
                    : "{\"error\":{\"message\":\"temperature must be at most 2\",\"type\":\"invalid_request_error\","
                            + "\"param\":\"temperature\",\"code\":\"invalid_value\"}}");
        }
        JsonNode messages = body.path("messages");
        JsonNode last = messages.path(messages.size() - 1);
        String prompt = last.path("content").asText();
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (body.has("tools") && !"tool".equals(last.path("role").asText())) {
            message.putNull("content");
            message.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function")
                    .putObject("function").put("name", "get_weather").put("arguments",
                            mistakes.contains(Mistake.BAD_TOOL_ARGUMENTS) ? "{\"city\":\"Paris\"}"
                                    : "{\"city\":\"Paris\",\"unit\":\"celsius\"}");
        } else {
            message.put("content", content(body, last, prompt));
        }
        long promptTokens = messages.toString().length() / 4 + 1;
        if (body.path("stream").asBoolean()) {
            return stream(body, message, promptTokens);
        }
        ObjectNode answer = JSON.createObjectNode().put("id", "chatcmpl-scripted").put("object", "chat.completion")
                .put("created", 1).put("model", body.path("model").asText());
        answer.putArray("choices").addObject().put("index", 0).put("finish_reason",
                message.has("tool_calls") ? "tool_calls" : "stop").set("message", message);
        answer.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", 20)
                .put("total_tokens", promptTokens + 20);
        return Answer.json(200, answer.toString());
    }

    private String content(JsonNode body, JsonNode last, String prompt) {
        if ("tool".equals(last.path("role").asText())) {
            return "It is 18 degrees and clear in Paris.";
        }
        String format = body.path("response_format").path("type").asText();
        if (format.equals("json_object")) {
            return mistakes.contains(Mistake.INVALID_JSON) ? "Sure! Here it is: {\"city\": \"Paris\""
                    : "{\"city\":\"Paris\",\"country\":\"France\"}";
        }
        if (format.equals("json_schema")) {
            return "{\"city\":\"Paris\",\"country\":\"France\",\"population\":2100000}";
        }
        Matcher port = PORT.matcher(prompt);
        Matcher multiplier = MULTIPLIER.matcher(prompt);
        if (port.find() && multiplier.find()) {
            return "{\"port\": " + port.group(1) + ", \"function\": \"" + multiplier.group(1) + "\"}";
        }
        Matcher toFix = TO_FIX.matcher(prompt);
        if (toFix.find()) {
            String removed = mistakes.contains(Mistake.EDIT_DOES_NOT_APPLY) ? "width - height" : "width + height";
            return "```diff\n--- a/calc.py\n+++ b/calc.py\n@@ -1,3 +1,3 @@\n def " + toFix.group(1)
                    + "(width, height):\n     \"\"\"The area of a rectangle.\"\"\"\n-    return " + removed
                    + "\n+    return width * height\n```\n";
        }
        return "Hello! One, two, three, four, five.";
    }

    /** Content word by word, or the tool call with its arguments in two pieces, as providers stream them. */
    private Answer stream(JsonNode body, JsonNode message, long promptTokens) {
        String head = "{\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\""
                + body.path("model").asText() + "\",";
        List<String> events = new ArrayList<>();
        JsonNode call = message.path("tool_calls").path(0);
        if (call.isObject()) {
            String arguments = call.path("function").path("arguments").asText();
            int half = arguments.length() / 2;
            events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                    + "\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
                    + "\"get_weather\",\"arguments\":" + JSON.valueToTree(arguments.substring(0, half))
                    + "}}]},\"finish_reason\":null}]}\n\n");
            events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                    + "\"function\":{\"arguments\":" + JSON.valueToTree(arguments.substring(half))
                    + "}}]},\"finish_reason\":null}]}\n\n");
        } else {
            for (String word : message.path("content").asText().split("(?<= )")) {
                events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                        + JSON.valueToTree(word) + "},\"finish_reason\":null}]}\n\n");
            }
        }
        events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\""
                + (call.isObject() ? "tool_calls" : "stop") + "\"}]}\n\n");
        if (!mistakes.contains(Mistake.NO_STREAM_USAGE)
                && body.path("stream_options").path("include_usage").asBoolean()) {
            events.add("data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + promptTokens
                    + ",\"completion_tokens\":9,\"total_tokens\":" + (promptTokens + 9) + "}}\n\n");
        }
        events.add("data: [DONE]\n\n");
        return Answer.stream(5, events.toArray(String[]::new));
    }
}
