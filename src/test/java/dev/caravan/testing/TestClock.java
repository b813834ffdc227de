package dev.caravan.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The gateway's clock in {@link GatewayTest}s (bean {@code caravanClock}): the system's, until a test pins it to
 * an instant, so that what counts by the minute or the day does not depend on when the suite runs.
 */
public final class TestClock extends Clock {

    private volatile Instant pinned;

    /** Stops the clock at {@code instant}, until {@link #release()}. */
    public void pin(Instant instant) {
        pinned = instant;
    }

    public void release() {
        pinned = null;
    }

    @Override
    public Instant instant() {
        Instant at = pinned;
        return at != null ? at : Instant.now();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the gateway counts in UTC");
    }

    /** Registers the clock as {@code caravanClock}, in place of the system's. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Registration {

        @Bean
        TestClock caravanClock() {
            return new TestClock();
        }
    }
}
