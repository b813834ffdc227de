package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The default breaker settings, fed calls as 100 concurrent clients make them: a fifth failing at random
 * does not open the breaker (a 20-call count window did, by chance), all failing opens it after its
 * minimum number of calls.
 */
@Timeout(60)
class BreakerSettingsTest {

    private static final int CLIENTS = 100;
    private static final int CALLS_PER_CLIENT = 1_000;

    @Test
    void randomFaultsOfAFifthDoNotOpenTheDefaultBreaker() throws Exception {
        CircuitBreaker breaker = CircuitBreaker.of("random", BreakerProperties.Breaker.defaults().toConfig());

        int opened = feed(breaker, 0.2);

        assertThat(opened).as("calls refused by the breaker").isZero();
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getFailureRate()).isBetween(15f, 25f);
    }

    @Test
    void aTwentyCallCountWindowOpensOnTheSameFaults() throws Exception {
        CircuitBreaker breaker = CircuitBreaker.of("count", new BreakerProperties.Breaker(50,
                SlidingWindowType.COUNT_BASED, 20, 10, Duration.ofMillis(50), 3, Duration.ofSeconds(120), 100)
                .toConfig());

        assertThat(feed(breaker, 0.2)).as("calls refused by the breaker").isPositive();
    }

    @Test
    void aProviderFailingEveryCallIsOpenAfterTheMinimumNumberOfCalls() {
        BreakerProperties.Breaker defaults = BreakerProperties.Breaker.defaults();
        CircuitBreaker breaker = CircuitBreaker.of("down", defaults.toConfig());
        int calls = 0;
        while (breaker.tryAcquirePermission()) {
            breaker.onError(1, TimeUnit.MILLISECONDS, new IllegalStateException("down"));
            calls++;
        }
        assertThat(calls).isEqualTo(defaults.minimumNumberOfCalls());
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    /** Calls from {@link #CLIENTS} threads, each failing with the probability; returns the calls refused. */
    private static int feed(CircuitBreaker breaker, double failing) throws InterruptedException {
        AtomicInteger refused = new AtomicInteger();
        Thread[] clients = new Thread[CLIENTS];
        for (int c = 0; c < CLIENTS; c++) {
            clients[c] = new Thread(() -> {
                for (int i = 0; i < CALLS_PER_CLIENT; i++) {
                    if (!breaker.tryAcquirePermission()) {
                        refused.incrementAndGet();
                        continue;
                    }
                    if (ThreadLocalRandom.current().nextDouble() < failing) {
                        breaker.onError(1, TimeUnit.MILLISECONDS, new IllegalStateException("fault"));
                    } else {
                        breaker.onSuccess(1, TimeUnit.MILLISECONDS);
                    }
                }
            });
            clients[c].start();
        }
        for (Thread client : clients) {
            client.join();
        }
        return refused.get();
    }
}
