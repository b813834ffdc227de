package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.openai.Json;
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
 */
final class DemoUpstream implements Upstream {

    static final String BASE_URL = "demo:";
    private static final int EMBEDDING_DIMENSIONS = 16;

    @Override
    public CompletableFuture<Answer> send(OpenAiRequest.Operation operation, byte[] body, boolean stream) {
        try {
            JsonNode request = Json.MAPPER.readTree(body);
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

    private static ObjectNode chat(JsonNode request) {
        String reply = reply(request);
        ObjectNode response = Json.MAPPER.createObjectNode()
                .put("id", "chatcmpl-demo-" + digestHex(request.path("messages").toString()).substring(0, 16))
                .put("object", "chat.completion")
                .put("created", Instant.now().getEpochSecond())
                .put("model", request.path("model").asText());
        ObjectNode choice = response.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", reply);
        choice.put("finish_reason", "stop");
        response.set("usage", usage(tokens(request.path("messages").toString()), tokens(reply)));
        return response;
    }

    /** The answer as server-sent events, one word per chunk, as a provider streams it. */
    private static List<byte[]> chatStream(JsonNode request) throws IOException {
        ObjectNode complete = chat(request);
        String[] words = complete.path("choices").path(0).path("message").path("content").asText().split("(?<= )");
        List<byte[]> out = new ArrayList<>();
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
