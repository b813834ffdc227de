package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import dev.caravan.openai.OpenAiRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The built-in {@code demo} provider: answers in-process, deterministically and with usage, so a fresh
 * gateway serves a real answer with no key and no network. Selected by the base URL {@code demo:}.
 * It is not a language model, but it keeps the protocol: tool calls with arguments built from the tool's
 * schema, JSON mode and {@code json_schema} answers valid by construction, streams with usage, and
 * OpenAI errors for out-of-range parameters.
 */
final class DemoUpstream implements Upstream {

    static final String BASE_URL = "demo:";
    private static final int EMBEDDING_DIMENSIONS = 16;

    @Override
    public CompletableFuture<Answer> send(OpenAiRequest.Operation operation, byte[] body, boolean stream) {
        try {
            JsonNode request = Json.MAPPER.readTree(body);
            String invalid = invalidParameter(request);
            if (invalid != null) {
                byte[] error = Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode().set("error",
                        Json.MAPPER.createObjectNode().put("message", invalid + " is out of range.")
                                .put("type", "invalid_request_error").put("param", invalid).put("code", "invalid_value")));
                return CompletableFuture.completedFuture(new Answer(400, "application/json", error, null, null));
            }
            if (stream && operation == OpenAiRequest.Operation.CHAT_COMPLETIONS) {
                return CompletableFuture.completedFuture(new Answer(200, "text/event-stream", null,
                        new FixedPublisher(chatStream(request)), null));
            }
            byte[] answer = Json.MAPPER.writeValueAsBytes(switch (operation) {
                case CHAT_COMPLETIONS -> chat(request);
                case EMBEDDINGS -> embeddings(request);
            });
            return CompletableFuture.completedFuture(new Answer(200, "application/json", answer, null, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parameter outside the range OpenAI accepts, if any. */
    private static String invalidParameter(JsonNode request) {
        double temperature = request.path("temperature").asDouble(1);
        double topP = request.path("top_p").asDouble(1);
        return temperature < 0 || temperature > 2 ? "temperature" : topP < 0 || topP > 1 ? "top_p" : null;
    }

    private static ObjectNode chat(JsonNode request) {
        ObjectNode response = Json.MAPPER.createObjectNode()
                .put("id", "chatcmpl-demo-" + digestHex(request.path("messages").toString()).substring(0, 16))
                .put("object", "chat.completion")
                .put("created", Instant.now().getEpochSecond())
                .put("model", request.path("model").asText());
        ObjectNode choice = response.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        JsonNode messages = request.path("messages");
        JsonNode last = messages.path(messages.size() - 1);
        JsonNode tool = chosenTool(request);
        String said;
        if (tool != null && !"tool".equals(last.path("role").asText())) {
            said = SchemaExample.of(tool.path("parameters")).toString();
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject()
                    .put("id", "call_demo_" + digestHex(said).substring(0, 12)).put("type", "function");
            call.putObject("function").put("name", tool.path("name").asText()).put("arguments", said);
            choice.put("finish_reason", "tool_calls");
        } else {
            said = content(request, last);
            message.put("content", said);
            choice.put("finish_reason", "stop");
        }
        response.set("usage", usage(tokens(messages.toString()), tokens(said)));
        return response;
    }

    /** The function a request with tools gets called: the one {@code tool_choice} names, else the first. */
    private static JsonNode chosenTool(JsonNode request) {
        JsonNode tools = request.path("tools");
        JsonNode choice = request.path("tool_choice");
        if (tools.isEmpty() || "none".equals(choice.asText())) {
            return null;
        }
        String named = choice.path("function").path("name").asText(null);
        for (JsonNode tool : tools) {
            if (named == null || named.equals(tool.path("function").path("name").asText())) {
                return tool.path("function");
            }
        }
        return tools.get(0).path("function");
    }

    private static String content(JsonNode request, JsonNode last) {
        String reply = "tool".equals(last.path("role").asText())
                ? "The tool returned: " + text(last.path("content")) : reply(request);
        JsonNode format = request.path("response_format");
        return switch (format.path("type").asText()) {
            case "json_schema" -> SchemaExample.of(format.path("json_schema").path("schema")).toString();
            case "json_object" -> Json.MAPPER.createObjectNode().put("reply", reply).toString();
            default -> reply;
        };
    }

    /** The answer as server-sent events, one word per chunk, as a provider streams it. */
    private static List<byte[]> chatStream(JsonNode request) throws IOException {
        ObjectNode complete = chat(request);
        JsonNode message = complete.path("choices").path(0).path("message");
        List<byte[]> out = new ArrayList<>();
        if (message.has("tool_calls")) { // the whole call in one delta, then the finish
            ObjectNode chunk = chunk(complete);
            ObjectNode delta = chunk.putArray("choices").addObject().put("index", 0).putObject("delta");
            delta.put("role", "assistant");
            ObjectNode call = ((ObjectNode) message.path("tool_calls").get(0).deepCopy()).put("index", 0);
            delta.putArray("tool_calls").add(call);
            event(out, chunk);
            ObjectNode finish = chunk(complete);
            finish.putArray("choices").addObject().put("index", 0).put("finish_reason", "tool_calls")
                    .putObject("delta");
            event(out, finish);
            return finished(request, complete, out);
        }
        String[] words = message.path("content").asText().split("(?<= )");
        for (int i = 0; i <= words.length; i++) {
            ObjectNode chunk = chunk(complete);
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            if (i < words.length) {
                delta.put("content", words[i]);
                if (i == 0) {
                    delta.put("role", "assistant");
                }
                choice.putNull("finish_reason");
            } else {
                choice.put("finish_reason", "stop");
            }
            event(out, chunk);
        }
        return finished(request, complete, out);
    }

    /** The usage chunk when the client asked for it, and the end of the stream. */
    private static List<byte[]> finished(JsonNode request, ObjectNode complete, List<byte[]> out) throws IOException {
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode usageChunk = chunk(complete);
            usageChunk.putArray("choices");
            usageChunk.set("usage", complete.get("usage"));
            event(out, usageChunk);
        }
        out.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        return out;
    }

    private static ObjectNode chunk(ObjectNode complete) {
        return Json.MAPPER.createObjectNode().put("id", complete.get("id").asText())
                .put("object", "chat.completion.chunk").put("created", complete.get("created").asLong())
                .put("model", complete.get("model").asText());
    }

    private static void event(List<byte[]> out, JsonNode data) throws IOException {
        out.add(("data: " + Json.MAPPER.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String reply(JsonNode request) {
        String said = "";
        for (JsonNode message : request.path("messages")) {
            if ("user".equals(message.path("role").asText())) {
                said = text(message.path("content"));
            }
        }
        if (said.length() > 200) {
            said = said.substring(0, 200) + "…";
        }
        return "Hello from Caravan's demo provider. You said: \"" + said + "\"";
    }

    private static String text(JsonNode content) {
        if (!content.isArray()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asText()));
        return text.toString();
    }

    private static ObjectNode embeddings(JsonNode request) {
        JsonNode input = request.path("input");
        ArrayNode inputs = input.isArray() ? (ArrayNode) input : Json.MAPPER.createArrayNode().add(input);
        ObjectNode response = Json.MAPPER.createObjectNode().put("object", "list")
                .put("model", request.path("model").asText());
        ArrayNode data = response.putArray("data");
        int promptTokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            String text = inputs.get(i).isTextual() ? inputs.get(i).asText() : inputs.get(i).toString();
            promptTokens += tokens(text);
            ArrayNode vector = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
            byte[] digest = digest(text);
            for (int d = 0; d < EMBEDDING_DIMENSIONS; d++) {
                vector.add((digest[d] & 0xff) / 255.0 - 0.5);
            }
        }
        response.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
        return response;
    }

    private static ObjectNode usage(int prompt, int completion) {
        return Json.MAPPER.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    /** About four characters a token, as for English text. */
    private static int tokens(String text) {
        return Math.max(1, (text.length() + 3) / 4);
    }

    private static String digestHex(String text) {
        return HexFormat.of().formatHex(digest(text));
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
