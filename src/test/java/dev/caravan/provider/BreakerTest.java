package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.Loopback;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Breakers keep availability: with the shipped breaker settings ({@code default}), a chain of two providers
 * each failing a fifth of the calls at random serves nearly every request under 100+ concurrent clients;
 * a provider that is down is skipped at once; a chain whose providers are all open still tries the least
 * bad one. Providers {@code coin-a} and {@code coin-b} (test-routes/test-breakers.camel.yaml), in a gateway
 * of their own where {@code coin-a-model} falls back to {@code coin-b-model}.
 */
@Timeout(120)
class BreakerTest {

    private static final FakeProviders UPSTREAM = new FakeProviders();
    private static final String CHAT = "/v1/chat/completions";
    private static final Answer FAULT = Answer.json(500, "{\"error\":{\"message\":\"random fault\"}}");
    private static GatewayInstance gateway;
    private static CircuitBreakerRegistry breakers;

    @BeforeAll
    static void start() {
        gateway = GatewayInstance.start(UPSTREAM, Map.of("caravan.fallbacks.coin-a-model[0]", "coin-b-model"));
        breakers = gateway.bean(CircuitBreakerRegistry.class);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        UPSTREAM.stop();
    }

    @BeforeEach
    void reset() {
        UPSTREAM.reset();
        breakers.getAllCircuitBreakers().forEach(CircuitBreaker::reset);
    }

    @Test
    void randomFaultsOnBothProvidersOfAChainLeaveNinetyFivePercentServed() throws Exception {
        for (String provider : new String[] {"coin-a", "coin-b"}) {
            UPSTREAM.respond(provider, r -> ThreadLocalRandom.current().nextInt(5) == 0 ? FAULT : null);
        }
        int clients = 120;
        long deadline = System.nanoTime() + 6_000_000_000L;
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        AtomicInteger breakerOpen = new AtomicInteger();
        Loopback loopback = new Loopback(port());
        Thread[] threads = new Thread[clients];
        for (int c = 0; c < clients; c++) {
            threads[c] = new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    HttpResponse<String> response = loopback.send(gateway.post(CHAT, Loopback.chat("coin-a-model"),
                            GatewayTest.CLIENT_KEY));
                    statuses.computeIfAbsent(response.statusCode(), s -> new LongAdder()).increment();
                    if (response.body().contains("circuit breaker is open")) {
                        breakerOpen.incrementAndGet();
                    }
                }
            }, "breaker-client-" + c);
            threads[c].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }

        Map<Integer, Long> counts = new TreeMap<>();
        statuses.forEach((status, count) -> counts.put(status, count.sum()));
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        long ok = counts.getOrDefault(200, 0L);
        System.out.printf("breaker availability: %d clients, %d requests, %s, %.2f %% served, %d breaker-open "
                        + "answers, upstream calls %d (coin-a %d, coin-b %d), breakers %s/%s%n", clients, total,
                counts, 100.0 * ok / total, breakerOpen.get(), UPSTREAM.received().size(),
                UPSTREAM.received("coin-a").size(), UPSTREAM.received("coin-b").size(),
                breakers.circuitBreaker("coin-a").getState(), breakers.circuitBreaker("coin-b").getState());
        assertThat(total).as("requests answered").isGreaterThanOrEqualTo(clients);
        assertThat((double) ok / total).as("share served: " + counts).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void aProviderThatIsDownIsSkippedFast() {
        UPSTREAM.respond("coin-a", r -> FAULT);
        Loopback loopback = new Loopback(port());
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> response = loopback.send(gateway.post(CHAT, Loopback.chat("coin-a-model"),
                    GatewayTest.CLIENT_KEY));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("coin-b");
        }
        assertThat(breakers.circuitBreaker("coin-a").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        int calledWhileClosing = UPSTREAM.received("coin-a").size();
        assertThat(calledWhileClosing).as("calls until the breaker opened").isLessThanOrEqualTo(30);

        long started = System.nanoTime();
        HttpResponse<String> skipped = loopback.send(gateway.post(CHAT, Loopback.chat("coin-a-model"),
                GatewayTest.CLIENT_KEY));
        assertThat(skipped.headers().firstValue("x-caravan-provider")).hasValue("coin-b");
        assertThat((System.nanoTime() - started) / 1_000_000).as("ms, no retries of coin-a").isLessThan(1_000);
        assertThat(UPSTREAM.received("coin-a")).hasSize(calledWhileClosing);
    }

    @Test
    void whenEveryProviderOfTheChainIsOpenTheLeastBadIsStillTriedOnce() {
        CircuitBreaker a = breakers.circuitBreaker("coin-a");
        CircuitBreaker b = breakers.circuitBreaker("coin-b");
        // coin-b opened on a worse record than coin-a
        for (int i = 0; i < 30; i++) {
            a.onError(1, java.util.concurrent.TimeUnit.MILLISECONDS, new IllegalStateException());
            b.onError(1, java.util.concurrent.TimeUnit.MILLISECONDS, new IllegalStateException());
            a.onSuccess(1, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        assertThat(a.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(b.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        Loopback loopback = new Loopback(port());

        HttpResponse<String> response = loopback.send(gateway.post(CHAT, Loopback.chat("coin-a-model"),
                GatewayTest.CLIENT_KEY));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("coin-a");
        assertThat(UPSTREAM.received()).hasSize(1);

        // tried once, not retried: its failure is the answer
        UPSTREAM.respond("coin-a", r -> FAULT);
        HttpResponse<String> failed = loopback.send(gateway.post(CHAT, Loopback.chat("coin-a-model"),
                GatewayTest.CLIENT_KEY));
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(502);
        assertThat(UPSTREAM.received("coin-a")).hasSize(2);
        assertThat(UPSTREAM.received("coin-b")).isEmpty();
        String metrics = loopback.send(gateway.request("/metrics", GatewayTest.ADMIN_KEY).GET().build()).body();
        assertThat(metrics).contains("caravan_breaker_panic_tries_total{provider=\"coin-a\"} 2.0");

        // a model without a chain still fails fast while its provider is open
        HttpResponse<String> alone = loopback.send(gateway.post(CHAT, Loopback.chat("coin-b-model"),
                GatewayTest.CLIENT_KEY));
        assertThat(alone.statusCode()).isEqualTo(503);
        assertThat(alone.body()).contains("circuit breaker is open");
        assertThat(UPSTREAM.received("coin-b")).isEmpty();
    }

    private static int port() {
        return gateway.request("/", GatewayTest.CLIENT_KEY).build().uri().getPort();
    }
}
