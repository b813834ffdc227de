package dev.caravan.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import java.io.IOException;

/**
 * What one pass over a chat completion chunk's JSON tells the relay: enough to relay it without building a tree
 * (an error, its choices, whether it names its {@code object}, a finish reason, the text it adds, its usage).
 */
final class ChatChunk {

    boolean error;
    boolean choices;
    boolean emptyChoices;
    boolean object;
    boolean finished;
    long deltaChars;
    JsonNode usage;

    /** {@code null} when the JSON is not an object. */
    static ChatChunk scan(byte[] json) {
        ChatChunk c = new ChatChunk();
        try (JsonParser p = Json.MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "error" -> c.error = value != JsonToken.VALUE_NULL;
                    case "object" -> c.object = true;
                    case "usage" -> c.usage = value == JsonToken.START_OBJECT ? p.readValueAsTree() : null;
                    case "choices" -> {
                        c.choices = value == JsonToken.START_ARRAY;
                        if (c.choices) {
                            c.scanChoices(p);
                        }
                    }
                    default -> {
                    }
                }
                JsonToken current = p.currentToken(); // null after a tree was read
                if (current != null && current.isStructStart()) {
                    p.skipChildren();
                }
            }
            return c;
        } catch (IOException e) {
            return null;
        }
    }

    /** Counts delta text (content, reasoning, tool arguments) and spots a finish reason. */
    private void scanChoices(JsonParser p) throws IOException {
        int depth = 1;
        emptyChoices = true;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return;
            }
            if (t.isStructStart()) {
                depth++;
                emptyChoices = false;
            } else if (t.isStructEnd()) {
                depth--;
            } else if (t == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v.isStructStart()) {
                    depth++;
                } else if (v == JsonToken.VALUE_STRING && (field.equals("content")
                        || field.equals("reasoning_content") || field.equals("arguments"))) {
                    deltaChars += p.getTextLength();
                } else if (field.equals("finish_reason") && v == JsonToken.VALUE_STRING) {
                    finished = true;
                }
            }
        }
    }
}
