package dev.caravan.testing;

import dev.caravan.edge.Translation;
import dev.caravan.openai.EventStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** A chat stream played into a protocol's translation, as the relay writes it, without a gateway. */
public final class ChatStreams {

    private ChatStreams() {
    }

    /** Writes the pieces, in order, then ends the chat stream; returns what the client was written. */
    public static String through(Translation translation, byte[]... pieces) {
        StringBuilder out = new StringBuilder();
        translation.stream(new EventStream() {
            @Override
            public void attach(Sink sink) {
                for (byte[] piece : pieces) {
                    sink.write(piece, () -> { });
                }
                sink.close();
            }

            @Override
            public void cancel() {
            }

            @Override
            public CompletableFuture<Outcome> outcome() {
                return new CompletableFuture<>();
            }
        }).attach(new EventStream.Sink() {
            @Override
            public void write(byte[] bytes, Runnable written) {
                out.append(new String(bytes, StandardCharsets.UTF_8));
                written.run();
            }

            @Override
            public void close() {
            }
        });
        return out.toString();
    }
}
