package dev.caravan.frontdoor;

import static dev.caravan.frontdoor.HttpSemanticsTest.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.Loopback;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client connection is bounded: idle, header and body timeouts, and a cap on open connections, against a
 * gateway of its own with short settings (idle, headers and body 1 s, 6 connections).
 */
class SocketLimitsTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final String KEY = GatewayTest.CLIENT_KEY;
    private static final int MAX_CONNECTIONS = 6;
    private static final FakeProviders UPSTREAM = new FakeProviders();
    private static GatewayInstance gateway;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayInstance.startWithOwnLedger(UPSTREAM, "sockets", Map.of(
                "caravan.timeouts.idle", "1s",
                "caravan.timeouts.headers", "1s",
                "caravan.timeouts.body", "1s",
                "caravan.max-connections", MAX_CONNECTIONS));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        UPSTREAM.stop();
    }

    @BeforeEach
    void noConnectionLeftFromTheTestBefore() throws InterruptedException {
        UPSTREAM.reset();
        ConnectionGuard guard = gateway.bean(ConnectionGuard.class);
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (guard.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(guard.openConnections()).isZero();
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() {
        try (RawHttp client = new RawHttp(port)) {
            long start = System.nanoTime();
            assertThat(client.closedWithin(Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
                    Duration.ofMillis(2500));
        }
        // idle after an answer too
        try (RawHttp client = new RawHttp(port)) {
            assertThat(client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);
            long answered = System.nanoTime();
            assertThat(client.closedWithin(Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - answered)).isBetween(Duration.ofMillis(900),
                    Duration.ofMillis(2500));
        }
    }

    @Test
    void slowlorisIsCutAfterTheHeaderTimeoutThoughBytesKeepComing() throws Exception {
        try (RawHttp client = new RawHttp(port)) {
            long start = System.nanoTime();
            client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 30; i++) {
                    try {
                        Thread.sleep(150);
                        client.send("X-Slow-" + i + ": x\r\n");
                    } catch (Exception e) {
                        return; // the gateway closed it
                    }
                }
            });
            RawHttp.Answer answer = client.read();
            assertOpenAiError(answer, 408, "request_timeout");
            assertThat(client.closedWithin(Duration.ofSeconds(3))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
                    Duration.ofMillis(3500));
            trickle.cancel(true);
        }
    }

    @Test
    void aStalledBodyIsCutAfterTheBodyTimeout() {
        try (RawHttp client = new RawHttp(port)) {
            long start = System.nanoTime();
            client.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":");
            RawHttp.Answer answer = client.read();
            assertOpenAiError(answer, 408, "request_timeout");
            assertThat(client.closedWithin(Duration.ofSeconds(3))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
                    Duration.ofMillis(3000));
        }
    }

    @Test
    void aSlowBodyThatKeepsMovingIsServed() throws InterruptedException {
        byte[] body = Loopback.chat("demo").getBytes(StandardCharsets.UTF_8);
        try (RawHttp client = new RawHttp(port)) {
            client.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n");
            // 2.4 s in all, longer than the body timeout, never 1 s without a byte
            int piece = (body.length + 5) / 6;
            for (int from = 0; from < body.length; from += piece) {
                Thread.sleep(400);
                client.send(java.util.Arrays.copyOfRange(body, from, Math.min(body.length, from + piece)));
            }
            RawHttp.Answer answer = client.read();
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        }
    }

    @Test
    void aStreamOutlivesTheIdleTimeoutThroughALongSilence() {
        // the provider is silent for 1.5 s before each piece, longer than the idle timeout
        UPSTREAM.enqueue("deepseek", Answer.stream(1500,
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"one two\"},\"finish_reason\":\"stop\"}]}\n\n",
                "data: [DONE]\n\n"));
        try (RawHttp client = new RawHttp(port)) {
            long start = System.nanoTime();
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.1", CHAT, KEY, "",
                    Loopback.streamedChat("deepseek-flash"))).read();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).contains("two").endsWith("data: [DONE]\n\n");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(2900));
            // then idle as any connection
            assertThat(client.closedWithin(Duration.ofMillis(500))).as("not cut right after").isFalse();
            assertThat(client.closedWithin(Duration.ofSeconds(3))).isTrue();
        }
    }

    @Test
    void beyondTheCapNewConnectionsAreRefusedWhileOpenOnesAreServed() throws Exception {
        ConnectionGuard guard = gateway.bean(ConnectionGuard.class);
        List<RawHttp> open = new ArrayList<>();
        try {
            RawHttp probe = new RawHttp(port);
            open.add(probe);
            assertThat(probe.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);
            UPSTREAM.enqueue("deepseek", HttpSemanticsTest.shortStream(300));
            RawHttp streaming = new RawHttp(port);
            open.add(streaming);
            streaming.send(RawHttp.post("HTTP/1.1", CHAT, KEY, "", Loopback.streamedChat("deepseek-flash")));
            while (open.size() < MAX_CONNECTIONS) {
                open.add(new RawHttp(port));
            }
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (guard.openConnections() < MAX_CONNECTIONS && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(guard.openConnections()).isEqualTo(MAX_CONNECTIONS);
            RawHttp.Answer metrics = probe.send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + GatewayTest.ADMIN_KEY + "\r\n\r\n").read();
            assertThat(metrics.body()).contains("caravan_client_connections " + MAX_CONNECTIONS + ".0");

            for (int i = 0; i < 3; i++) {
                try (RawHttp refused = new RawHttp(port)) {
                    RawHttp.Answer answer = refused.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
                    assertOpenAiError(answer, 503, "too_many_connections");
                    assertThat(refused.closedWithin(Duration.ofSeconds(3))).isTrue();
                }
            }
            assertThat(guard.openConnections()).isEqualTo(MAX_CONNECTIONS);
            // the connections already open are served: a probe, and the stream in flight to its end
            assertThat(probe.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);
            RawHttp.Answer stream = streaming.read();
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.body()).endsWith("data: [DONE]\n\n");
        } finally {
            open.forEach(RawHttp::close);
        }
        // once some close, new connections are served again
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (guard.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        try (RawHttp client = new RawHttp(port)) {
            assertThat(client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);
        }
    }
}
