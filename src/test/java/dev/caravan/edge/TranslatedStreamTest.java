package dev.caravan.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.openai.EventStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The one-writer rules of a translated stream: a keep-alive never overlaps a write, nor follows the end. */
class TranslatedStreamTest {

    /** The relay's side: the test writes into the translated stream through this sink. */
    private final List<EventStream.Sink> relay = new ArrayList<>();
    /** The client's side: what was written, and the writes still on their way. */
    private final List<String> written = new ArrayList<>();
    private final List<Runnable> pending = new ArrayList<>();
    private boolean closed;

    private final TranslatedStream stream = new TranslatedStream(new EventStream() {
        @Override
        public void attach(Sink sink) {
            relay.add(sink);
        }

        @Override
        public void cancel() {
        }

        @Override
        public CompletableFuture<Outcome> outcome() {
            return new CompletableFuture<>();
        }
    }) {
        @Override
        protected void chunk(JsonNode chunk, Events out) {
            out.add("chunk", chunk);
        }

        @Override
        protected void error(JsonNode error, Events out) {
            out.add("error", error);
        }

        @Override
        protected void done(Events out) {
            out.add("done", Json.MAPPER.createObjectNode());
        }

        @Override
        protected void cutShort(Events out) {
            out.add("cut", Json.MAPPER.createObjectNode());
        }
    };

    TranslatedStreamTest() {
        stream.attach(new EventStream.Sink() {
            @Override
            public void write(byte[] bytes, Runnable done) {
                assertThat(closed).as("written after the end").isFalse();
                written.add(new String(bytes, StandardCharsets.UTF_8).split("\n")[0]);
                pending.add(done);
            }

            @Override
            public void close() {
                assertThat(pending).as("closed with writes on their way").isEmpty();
                closed = true;
            }
        });
    }

    private static TranslatedStream.Events ping() {
        return new TranslatedStream.Events().add("ping", Json.MAPPER.createObjectNode());
    }

    private void completeWrites() {
        List<Runnable> done = new ArrayList<>(pending);
        pending.clear();
        done.forEach(Runnable::run);
    }

    @Test
    void aKeepAliveWaitsForTheWriteOnItsWay() {
        relay.get(0).write("data: {\"choices\":[]}\n\n".getBytes(StandardCharsets.UTF_8), () -> { });

        assertThat(stream.writeWhileIdle(ping())).isFalse();
        completeWrites();
        assertThat(stream.writeWhileIdle(ping())).isTrue();
        assertThat(written).containsExactly("event: chunk", "event: ping");
    }

    @Test
    void theEndWaitsForAKeepAliveOnItsWayAndNoneFollowsIt() {
        assertThat(stream.writeWhileIdle(ping())).isTrue();
        relay.get(0).write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8), () -> relay.get(0).close());

        assertThat(stream.writeWhileIdle(ping())).as("after the end").isFalse();
        pending.remove(1).run(); // the end's write is done before the keep-alive's
        assertThat(closed).isFalse();
        completeWrites();
        assertThat(closed).isTrue();
        assertThat(written).containsExactly("event: ping", "event: done");
    }

    @Test
    void aStreamClosedWithoutItsEndIsCutShort() {
        relay.get(0).close();
        completeWrites();

        assertThat(written).containsExactly("event: cut");
        assertThat(closed).isTrue();
    }
}
