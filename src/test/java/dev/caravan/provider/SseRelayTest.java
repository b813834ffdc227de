package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.openai.EventStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The relay on its own: SSE in, SSE out, with a sink that writes at once. */
class SseRelayTest {

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor();

    @AfterAll
    static void stop() {
        TIMER.shutdownNow();
    }

    private static final class Collect implements EventStream.Sink {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean closed;

        @Override
        public void write(byte[] bytes, Runnable written) {
            out.writeBytes(bytes);
            written.run();
        }

        @Override
        public void close() {
            closed = true;
        }

        String text() {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static SseRelay relay(boolean clientWantsUsage) {
        return new SseRelay("p", SseRelay.Dialect.CHAT, clientWantsUsage, new byte[400], 60_000, TIMER,
                json -> UpstreamException.noAnswer("p", ErrorClass.UPSTREAM_ERROR, "in-band"),
                t -> UpstreamException.noAnswer("p", ErrorClass.CONNECTION_FAILED, t.getMessage()));
    }

    private static List<byte[]> chunks(String... parts) {
        return java.util.Arrays.stream(parts).map(p -> p.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Test
    void relaysEventsDropsCommentsAndHidesTheUsageChunk() throws Exception {
        SseRelay relay = relay(false);
        new FixedPublisher(chunks(": keep-alive\n\n",
                "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\nda",
                "ta: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\r\n\r\n",
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n",
                "data: [DONE]\n\n")).subscribe(relay);
        assertThat(relay.committed()).succeedsWithin(1, TimeUnit.SECONDS);
        Collect sink = new Collect();
        relay.attach(sink);

        EventStream.Outcome outcome = relay.outcome().get(1, TimeUnit.SECONDS);
        assertThat(sink.closed).isTrue();
        assertThat(sink.text()).isEqualTo(
                "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                + "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"lo\"},"
                + "\"finish_reason\":\"stop\"}]}\n\n"
                + "data: [DONE]\n\n");
        assertThat(outcome.usage().promptTokens()).isEqualTo(5);
        assertThat(outcome.usage().estimated()).isFalse();
    }
}
