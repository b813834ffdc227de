package dev.caravan.smoke;

import dev.caravan.openai.SseDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An event stream the gateway answered, read whole through the gateway's own SSE decoder: its events, each with
 * when it arrived, and its raw text for the report.
 */
record EventStreamRead(List<Event> events, String raw) {

    /** One event: its {@code event:} name ({@code null} without one), its data, when it was decoded. */
    record Event(String name, String data, long arrivedNanos) {
    }

    static EventStreamRead of(InputStream body) throws IOException {
        List<Event> events = new ArrayList<>();
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        SseDecoder decoder = new SseDecoder((name, data) -> events.add(
                new Event(name, new String(data, StandardCharsets.UTF_8).strip(), System.nanoTime())));
        byte[] buffer = new byte[8192];
        try (body) {
            for (int read; (read = body.read(buffer)) >= 0; ) {
                byte[] piece = Arrays.copyOf(buffer, read);
                raw.writeBytes(piece);
                decoder.feed(piece);
            }
        }
        decoder.feed(new byte[] {'\n', '\n'}); // an unterminated last event still counts
        return new EventStreamRead(events, raw.toString(StandardCharsets.UTF_8));
    }
}
