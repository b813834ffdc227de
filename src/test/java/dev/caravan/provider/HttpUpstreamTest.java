package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.caravan.openai.OpenAiRequest;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.ServerSocket;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The upstream HTTP client against a fake provider on 127.0.0.1, on event loops of the test's own. */
class HttpUpstreamTest {

    private static final FakeProviders UPSTREAM = new FakeProviders();
    private static final NioEventLoopGroup LOOPS = new NioEventLoopGroup(1, new DefaultThreadFactory("test-loop", true));
    private static final HashedWheelTimer DEADLINES = new HashedWheelTimer(new DefaultThreadFactory("test-deadlines", true));
    private static final byte[] CHAT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
            .getBytes(StandardCharsets.UTF_8);

    @AfterAll
    static void stop() {
        UPSTREAM.stop();
        LOOPS.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        DEADLINES.stop();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "null", value = {
        "7.66s|7.66", "1m30s|90.0", "250ms|0.25", "2|2.0", "1h|3600.0", "6m0s|360.0", "soon|null", "''|null"})
    void readsRateLimitResetDurations(String header, Double seconds) {
        assertThat(HttpUpstream.durationSeconds(header)).isEqualTo(seconds);
    }

    @Test
    void anAnswerCompletesOnTheEventLoopsItIsGiven() throws Exception {
        // answered after the callback below is in place: else it would run on the thread that adds it
        UPSTREAM.enqueue("glm", Answer.json(200, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"answer from glm\"},"
                + "\"finish_reason\":\"stop\"}]}").delayed(200));
        HttpUpstream upstream = upstream(Duration.ofSeconds(5));
        AtomicReference<String> thread = new AtomicReference<>();
        Upstream.Answer answer = upstream.send(OpenAiRequest.Operation.CHAT_COMPLETIONS, CHAT, false)
                .whenComplete((a, e) -> thread.set(Thread.currentThread().getName())).get(5, TimeUnit.SECONDS);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(new String(answer.body(), StandardCharsets.UTF_8)).contains("answer from glm");
        assertThat(thread.get()).as("no hand-off to another pool").startsWith("test-loop");
        FakeProviders.Received sent = UPSTREAM.last("glm");
        assertThat(sent.headers().get("authorization")).containsExactly("Bearer sk-test");
        assertThat(sent.headers()).doesNotContainKey("accept-encoding").doesNotContainKey("transfer-encoding");
        assertThat(sent.headers().get("content-length")).containsExactly(String.valueOf(CHAT.length));
        upstream.close();
    }

    @Test
    void aStreamIsHandedOnAtItsHeadersAndReadAsAsked() throws Exception {
        UPSTREAM.enqueue("glm", Answer.stream(100, "data: {\"n\":1}\n\n", "data: {\"n\":2}\n\n", "data: [DONE]\n\n"));
        HttpUpstream upstream = upstream(Duration.ofSeconds(5));
        Upstream.Answer answer = upstream.send(OpenAiRequest.Operation.CHAT_COMPLETIONS, CHAT, true)
                .get(5, TimeUnit.SECONDS);
        assertThat(answer.events()).isNotNull();
        StringBuilder read = new StringBuilder();
        CompletableFuture<Void> done = new CompletableFuture<>();
        answer.events().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> item) {
                item.forEach(b -> read.append(StandardCharsets.UTF_8.decode(b)));
            }

            @Override
            public void onError(Throwable throwable) {
                done.completeExceptionally(throwable);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        });
        done.get(5, TimeUnit.SECONDS);
        assertThat(read.toString()).contains("{\"n\":1}").endsWith("data: [DONE]\n\n");
        upstream.close();
    }

    @Test
    void noAnswerWithinTheFirstByteTimeoutIsTheJdkClientsTimeout() {
        UPSTREAM.enqueue("glm", Answer.json(200, "{}").delayed(2_000));
        HttpUpstream upstream = upstream(Duration.ofMillis(300));
        assertThatThrownBy(() -> upstream.send(OpenAiRequest.Operation.CHAT_COMPLETIONS, CHAT, false)
                .get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(HttpTimeoutException.class);
        upstream.close();
    }

    @Test
    void aClosedPortIsAConnectFailure() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        HttpUpstream upstream = new HttpUpstream("gone", "http://127.0.0.1:" + closed, "", "sk-test",
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10), LOOPS, DEADLINES);
        assertThatThrownBy(() -> upstream.send(OpenAiRequest.Operation.CHAT_COMPLETIONS, CHAT, false)
                .get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(java.net.ConnectException.class);
        upstream.close();
    }

    private static HttpUpstream upstream(Duration firstByteTimeout) {
        return new HttpUpstream("glm", UPSTREAM.baseUrl("glm"), "", "sk-test", Duration.ofSeconds(1),
                firstByteTimeout, Duration.ofSeconds(10), LOOPS, DEADLINES);
    }
}
