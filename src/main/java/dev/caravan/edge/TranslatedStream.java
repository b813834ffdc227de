package dev.caravan.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.Json;
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
    private boolean writing;
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
                if (out.isEmpty()) {
                    target.close();
                } else {
                    target.write(out.bytes(), target::close);
                }
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
            writing = true;
            target = sink;
        }
        target.write(out.bytes(), () -> {
            synchronized (this) {
                writing = false;
            }
            written.run();
        });
    }

    /**
     * Writes events only when nothing else is being written and the stream has not ended: a keep-alive
     * ({@code ping}) while the provider is silent. Returns whether it wrote.
     */
    protected boolean writeWhileIdle(Events out) {
        Sink target;
        synchronized (this) {
            if (sink == null || writing || ended || out.isEmpty()) {
                return false;
            }
            writing = true;
            target = sink;
        }
        target.write(out.bytes(), () -> {
            synchronized (this) {
                writing = false;
            }
        });
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

        boolean isEmpty() {
            return bytes.size() == 0;
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
