package dev.caravan.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.openai.EventStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * A chat completion stream re-written in another protocol as it flows: each chat event the relay writes
 * becomes the protocol's events, written at once (nothing is held back), in the same write, so the relay's
 * back-pressure and its accounting (usage, outcome) stay as they are.
 *
 * <p>The relay writes whole events: chunks, its own {@code data: {"error":…}} event for a failure after the
 * stream started, and {@code data: [DONE]}. A subclass says what each becomes.
 */
public abstract class TranslatedStream implements EventStream {

    private final EventStream chat;
    private byte[] partial = new byte[0];
    // guarded by this
    private Sink sink;
    /** Writes handed to the sink and not yet written: the relay's (one at a time) and a keep-alive. */
    private int inFlight;
    /** The chat stream closed while a write was in flight: the sink closes after it, never before. */
    private boolean closing;
    private boolean ended;

    protected TranslatedStream(EventStream chat) {
        this.chat = chat;
    }

    /** A chat completion chunk ({@code chat.completion.chunk}). */
    protected abstract void chunk(JsonNode chunk, Events out);

    /** The stream failed after it started: {@code error} is the OpenAI error object ({@code message, type, code}). */
    protected abstract void error(JsonNode error, Events out);

    /** The chat stream ended well ({@code [DONE]}): the protocol's closing events. */
    protected abstract void done(Events out);

    /**
     * The chat stream closed without {@code [DONE]} or an error event (it should not): a subclass ends the
     * client's stream as failed.
     */
    protected abstract void cutShort(Events out);

    @Override
    public void attach(Sink target) {
        synchronized (this) {
            sink = target;
        }
        chat.attach(new Sink() {
            @Override
            public void write(byte[] bytes, Runnable written) {
                Events out = new Events();
                translate(bytes, out);
                send(out, written);
            }

            @Override
            public void close() {
                Events out = new Events();
                synchronized (TranslatedStream.this) {
                    if (!ended) {
                        ended = true;
                        cutShort(out);
                    }
                }
                send(out, TranslatedStream.this::closeWhenWritten);
            }
        });
    }

    private void send(Events out, Runnable written) {
        if (out.isEmpty()) {
            written.run();
            return;
        }
        Sink target;
        synchronized (this) {
            inFlight++;
            target = sink;
        }
        target.write(out.bytes(), () -> {
            written();
            written.run();
        });
    }

    /** A write is done; the sink closes once the last one is, if the stream was closed meanwhile. */
    private void written() {
        Sink target;
        synchronized (this) {
            inFlight--;
            if (inFlight > 0 || !closing) {
                return;
            }
            closing = false;
            target = sink;
        }
        target.close();
    }

    private void closeWhenWritten() {
        Sink target;
        synchronized (this) {
            if (inFlight > 0) {
                closing = true; // a keep-alive is on its way: the end goes after it
                return;
            }
            target = sink;
        }
        target.close();
    }

    /**
     * Writes events only when nothing else is being written and the client's stream has not ended: a
     * keep-alive ({@code ping}) while the provider is silent. Returns whether it wrote.
     */
    protected boolean writeWhileIdle(Events out) {
        synchronized (this) {
            if (sink == null || inFlight > 0 || ended || closing || out.isEmpty()) {
                return false;
            }
            inFlight++;
            // under the lock: the end cannot be translated and written between the check and this write
            sink.write(out.bytes(), this::written);
        }
        return true;
    }

    /** Whether the client's stream has ended (closing events written, or it failed). */
    protected synchronized boolean ended() {
        return ended;
    }

    private synchronized void translate(byte[] bytes, Events out) {
        byte[] buffer = partial.length == 0 ? bytes : concat(partial, bytes);
        int start = 0;
        for (int i = 0; i + 1 < buffer.length; i++) {
            if (buffer[i] == '\n' && buffer[i + 1] == '\n') {
                event(new String(buffer, start, i - start, StandardCharsets.UTF_8), out);
                start = i + 2;
                i++;
            }
        }
        partial = start >= buffer.length ? new byte[0] : Arrays.copyOfRange(buffer, start, buffer.length);
    }

    private void event(String text, Events out) {
        if (ended || !text.startsWith("data: ")) {
            return;
        }
        String data = text.substring(6);
        if (data.equals("[DONE]")) {
            ended = true;
            done(out);
            return;
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(data);
        } catch (IOException notJson) {
            return; // the relay passes a provider's non-JSON event on; no protocol has a place for it
        }
        if (json.hasNonNull("error") && !json.has("choices")) {
            ended = true;
            error(json.path("error"), out);
            return;
        }
        chunk(json, out);
    }

    @Override
    public void cancel() {
        chat.cancel();
    }

    @Override
    public CompletableFuture<Outcome> outcome() {
        return chat.outcome();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The events one chat event becomes, as server-sent events. */
    public static final class Events {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        /** {@code event: <name>} and {@code data: <json>}. */
        public Events add(String name, JsonNode data) {
            bytes.writeBytes(("event: " + name + "\ndata: ").getBytes(StandardCharsets.UTF_8));
            bytes.writeBytes(data.toString().getBytes(StandardCharsets.UTF_8));
            bytes.writeBytes("\n\n".getBytes(StandardCharsets.UTF_8));
            return this;
        }

        public boolean isEmpty() {
            return bytes.size() == 0;
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
