package dev.caravan.frontdoor;

import static dev.caravan.frontdoor.HttpSemanticsTest.assertOpenAiError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.Loopback;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request bodies are bounded in memory while they arrive: one by {@code caravan.max-body-size} (4 MB here), all
 * together by {@code caravan.max-body-buffer} (16 MB here), on real sockets with chunked bodies.
 */
class BodyMemoryTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final String KEY = GatewayTest.CLIENT_KEY;
    private static final long MB = 1024 * 1024;
    private static final long BUFFER = 16 * MB;
    private static final FakeProviders UPSTREAM = new FakeProviders();
    private static GatewayInstance gateway;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayInstance.startWithOwnLedger(UPSTREAM, "bodies", Map.of(
                "caravan.max-body-size", "4MB",
                "caravan.max-body-buffer", "16MB"));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        UPSTREAM.stop();
    }

    @Test
    void aBodyPastTheSharedBufferGets503WhileTheBodiesArrivingAreServed() throws Exception {
        BodySizeLimit bodies = gateway.bean(BodySizeLimit.class);
        // four bodies of 3.5 MB each arrive and pause before their end: 14 MB of the 16 MB buffer
        byte[] start = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]".getBytes(
                StandardCharsets.US_ASCII);
        List<RawHttp> arriving = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                RawHttp client = new RawHttp(port);
                arriving.add(client);
                client.send(chunkedHead());
                client.send(chunk(start));
                sendPadding(client, 3 * MB + MB / 2 - start.length);
            }
            awaitBuffered(bodies, 14 * MB - 4 * 64 * 1024);

            try (RawHttp fifth = new RawHttp(port)) {
                fifth.send(chunkedHead());
                fifth.send(chunk(start));
                RawHttp.Answer busy = sendUntilAnswered(fifth, 3 * MB + MB / 2);
                assertOpenAiError(busy, 503, "server_busy");
                assertThat(busy.header("retry-after")).isEqualTo("1");
            }
            // the bodies in flight are untouched: they end and are served
            for (RawHttp client : arriving) {
                client.send(chunk("}".getBytes(StandardCharsets.US_ASCII)));
                client.send("0\r\n\r\n");
                RawHttp.Answer answer = client.read();
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                assertThat(answer.body()).contains("chat.completion");
            }
        } finally {
            arriving.forEach(RawHttp::close);
        }
        awaitBuffered(bodies, 0);
    }

    @Test
    void fortyBodiesOfTwentyMegabytesAtOnceStayWithinTheBuffer() throws Exception {
        BodySizeLimit bodies = gateway.bean(BodySizeLimit.class);
        PooledByteBufAllocator pool = PooledByteBufAllocator.DEFAULT;
        long before = pool.metric().usedDirectMemory();
        AtomicLong peak = new AtomicLong(before);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                peak.accumulateAndGet(pool.metric().usedDirectMemory(), Math::max);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        List<String> codes;
        ExecutorService clients = Executors.newFixedThreadPool(40);
        try {
            List<CompletableFuture<RawHttp.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try (RawHttp client = new RawHttp(port)) {
                        client.send(chunkedHead());
                        return sendUntilAnswered(client, 20 * MB);
                    }
                }, clients));
            }
            codes = new ArrayList<>();
            for (CompletableFuture<RawHttp.Answer> future : answers) {
                RawHttp.Answer answer = future.get(60, TimeUnit.SECONDS);
                String code = HttpSemanticsTest.parse(answer).path("error").path("code").asText();
                assertOpenAiError(answer, "server_busy".equals(code) ? 503 : 413, code);
                codes.add(code);
            }
        } finally {
            sampling.set(false);
            sampler.join();
            clients.shutdownNow();
        }
        assertThat(codes).hasSize(40).allMatch(code -> code.equals("server_busy") || code.equals("request_too_large"));
        awaitBuffered(bodies, 0);
        // 40 bodies of 4 MB each take over 160 MB of Netty's pool before their 413 without the shared buffer; with
        // it, 16 MB of them, which the pool (4 MB chunks shared by many connections, and by the other gateways of
        // the test run) holds in up to about four times that
        assertThat(peak.get() - before).as("direct memory taken by the bodies").isLessThan(6 * BUFFER);

        // and the gateway serves as before
        try (RawHttp client = new RawHttp(port)) {
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.1", CHAT, KEY, "", Loopback.chat("demo"))).read();
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        }
    }

    private static String chunkedHead() {
        return "POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    }

    private static byte[] chunk(byte[] data) {
        byte[] head = (Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] chunk = Arrays.copyOf(head, head.length + data.length + 2);
        System.arraycopy(data, 0, chunk, head.length, data.length);
        chunk[chunk.length - 2] = '\r';
        chunk[chunk.length - 1] = '\n';
        return chunk;
    }

    /** JSON whitespace, in chunks of 64 KB. */
    private static void sendPadding(RawHttp client, long bytes) {
        byte[] spaces = new byte[64 * 1024];
        Arrays.fill(spaces, (byte) ' ');
        byte[] full = chunk(spaces);
        long sent = 0;
        for (; sent + spaces.length <= bytes; sent += spaces.length) {
            client.send(full);
        }
        if (sent < bytes) {
            client.send(chunk(Arrays.copyOf(spaces, (int) (bytes - sent))));
        }
    }

    /** Sends up to {@code bytes} of padding, then reads the answer, which may come (and stop the sending) sooner. */
    private static RawHttp.Answer sendUntilAnswered(RawHttp client, long bytes) {
        try {
            sendPadding(client, bytes);
            client.send("0\r\n\r\n");
        } catch (RuntimeException refused) {
            // the gateway answered and closed while the body was still being sent
        }
        return client.read();
    }

    private static void awaitBuffered(BodySizeLimit bodies, long atLeastOrZero) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline
                && (atLeastOrZero == 0 ? bodies.buffered() != 0 : bodies.buffered() < atLeastOrZero)) {
            Thread.sleep(5);
        }
        if (atLeastOrZero == 0) {
            assertThat(bodies.buffered()).isZero();
        } else {
            assertThat(bodies.buffered()).isGreaterThanOrEqualTo(atLeastOrZero);
        }
    }
}
