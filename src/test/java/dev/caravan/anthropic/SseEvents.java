package dev.caravan.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** An Anthropic stream as written: {@code event: <name>} and {@code data: <json>} pairs. */
record SseEvents(List<Event> events) {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Event(String name, JsonNode data) {
    }

    static SseEvents parse(String text) {
        List<Event> events = new ArrayList<>();
        for (String block : text.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String[] lines = block.split("\n", 2);
            if (!lines[0].startsWith("event: ") || lines.length < 2 || !lines[1].startsWith("data: ")) {
                throw new AssertionError("not an Anthropic event: " + block);
            }
            try {
                events.add(new Event(lines[0].substring(7), JSON.readTree(lines[1].substring(6))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new SseEvents(events);
    }

    List<String> names() {
        return events.stream().map(Event::name).toList();
    }

    /** The names without pings, which come whenever the provider is silent. */
    List<String> namesWithoutPings() {
        return names().stream().filter(n -> !n.equals("ping")).toList();
    }

    List<JsonNode> named(String name) {
        return events.stream().filter(e -> e.name().equals(name)).map(Event::data).toList();
    }

    /** The text of every delta of a kind ({@code text_delta} → {@code text}, …), joined. */
    String joined(String deltaType, String field) {
        StringBuilder text = new StringBuilder();
        named("content_block_delta").stream().map(e -> e.path("delta"))
                .filter(d -> d.path("type").asText().equals(deltaType))
                .forEach(d -> text.append(d.path(field).asText()));
        return text.toString();
    }
}
