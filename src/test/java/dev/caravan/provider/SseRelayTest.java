package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.openai.EventStream;
import io.netty.util.HashedWheelTimer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The relay on its own: SSE in, SSE out, with a sink that writes at once. */
class SseRelayTest {

    private static final HashedWheelTimer TIMER = new HashedWheelTimer();

    @AfterAll
    static void stop() {
        TIMER.stop();
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
        return relay(clientWantsUsage, 60_000);
    }

    private static SseRelay relay(boolean clientWantsUsage, long totalTimeoutMillis) {
        return new SseRelay("p", SseRelay.Dialect.CHAT, clientWantsUsage, new byte[400], totalTimeoutMillis, TIMER,
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

    @Test
    void aStreamThatDoesNotEndWithinTheTotalTimeoutFails() {
        SseRelay relay = relay(false, 100);
        // subscribed, but the provider sends nothing
        relay.onSubscribe(new java.util.concurrent.Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });

        assertThat(relay.committed()).failsWithin(2, TimeUnit.SECONDS).withThrowableThat()
                .havingRootCause().isInstanceOf(UpstreamException.class)
                .withMessageContaining("within the total timeout");
    }
}
