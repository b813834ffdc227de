package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import java.io.IOException;

/**
 * What one event of Anthropic's Messages stream tells the relay: its type (also its SSE event name), the usage it
 * reports ({@code message_start}'s whole, {@code message_delta}'s update) and the text it adds.
 */
record AnthropicEvent(String type, ObjectNode usage, long deltaChars) {

    /** {@code null} when it is not JSON: no Anthropic client could read it. */
    static AnthropicEvent read(byte[] json) {
        JsonNode event;
        try {
            event = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            return null;
        }
        String type = event.path("type").asText("");
        JsonNode usage = switch (type) {
            case "message_start" -> event.path("message").path("usage");
            case "message_delta" -> event.path("usage");
            default -> null;
        };
        JsonNode delta = event.path("delta");
        long chars = "content_block_delta".equals(type) ? delta.path("text").asText("").length()
                + delta.path("thinking").asText("").length() + delta.path("partial_json").asText("").length() : 0;
        return new AnthropicEvent(type, usage instanceof ObjectNode o ? o : null, chars);
    }

    /** The stream's usage so far, with this event's: a start replaces it, a delta updates the fields it sets. */
    ObjectNode usageAfter(ObjectNode before) {
        if ("message_start".equals(type)) {
            return usage == null ? Json.MAPPER.createObjectNode() : usage;
        }
        if (usage == null) {
            return before;
        }
        ObjectNode after = before == null ? Json.MAPPER.createObjectNode() : before;
        usage.fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) {
                after.set(f.getKey(), f.getValue());
            }
        });
        return after;
    }
}
