package dev.caravan.openai;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Server-sent events decoded from bytes as they arrive, in pieces of any size: a line ends at LF (or CR LF), the
 * {@code data:} lines of an event are joined with LF, and a blank line hands the event on with its
 * {@code event:} name ({@code null} without one). Comments ({@code : keep-alive}) and other fields are dropped.
 * The provider stream relay and the smoke suite read streams through it.
 */
public final class SseDecoder {

    /** Where the decoded events go. */
    public interface Events {

        /** @return whether to decode the rest of what was fed */
        boolean event(String name, byte[] data);
    }

    private final Events events;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    /** The start of a line whose end has not arrived yet. */
    private byte[] partial = new byte[0];
    private boolean inData;
    private String name;

    public SseDecoder(Events events) {
        this.events = events;
    }

    /** Decodes the bytes after what is left of the last ones; {@code false} once an event said to stop. */
    public boolean feed(byte[] bytes) {
        byte[] buffer = partial.length == 0 ? bytes : concat(partial, bytes);
        int lineStart = 0;
        boolean goOn = true;
        for (int i = 0; i < buffer.length && goOn; i++) {
            if (buffer[i] == '\n') {
                int end = i > lineStart && buffer[i - 1] == '\r' ? i - 1 : i;
                goOn = line(buffer, lineStart, end);
                lineStart = i + 1;
            }
        }
        partial = lineStart >= buffer.length ? new byte[0] : Arrays.copyOfRange(buffer, lineStart, buffer.length);
        return goOn;
    }

    private boolean line(byte[] buffer, int start, int end) {
        if (start == end) {
            String eventName = name;
            name = null;
            if (!inData) {
                return true;
            }
            byte[] event = data.toByteArray();
            data.reset();
            inData = false;
            return events.event(eventName, event);
        }
        int value = valueOf(buffer, start, end, "data:");
        if (value >= 0) {
            if (inData) {
                data.write('\n');
            }
            data.write(buffer, value, end - value);
            inData = true;
            return true;
        }
        value = valueOf(buffer, start, end, "event:");
        if (value >= 0) {
            name = new String(buffer, value, end - value, StandardCharsets.UTF_8);
        }
        return true;
    }

    /** Where the value of the field starts (after one optional space), or -1 when the line is another field. */
    private static int valueOf(byte[] buffer, int start, int end, String field) {
        int length = field.length();
        if (end - start < length) {
            return -1;
        }
        for (int i = 0; i < length; i++) {
            if (buffer[start + i] != field.charAt(i)) {
                return -1;
            }
        }
        int from = start + length;
        return from < end && buffer[from] == ' ' ? from + 1 : from;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
