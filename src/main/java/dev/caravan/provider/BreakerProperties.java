package dev.caravan.provider;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Named circuit-breaker settings ({@code caravan.breakers.<name>}); a provider names one in its
 * {@code breaker} parameter, {@code default} unless it says otherwise.
 */
@ConfigurationProperties("caravan")
record BreakerProperties(@DefaultValue Map<String, Breaker> breakers) {

    static final String DEFAULT = "default";

    /**
     * @param failureRateThreshold   percent of failed calls in the window that opens the breaker
     * @param slidingWindowType      {@code time-based}: the window is the calls of the last
     *                               {@code slidingWindowSize} seconds, so at any concurrency it holds enough
     *                               calls that chance alone does not reach the threshold; {@code count-based}:
     *                               the last {@code slidingWindowSize} calls
     * @param slidingWindowSize      seconds (time-based) or calls (count-based) the failure rate is computed over
     * @param minimumNumberOfCalls   calls in the window before the rate counts
     * @param waitInOpenState        how long an open breaker sends everything to the fallback
     * @param halfOpenCalls          trial calls that decide whether it closes again
     * @param slowCallThreshold      calls slower than this count as slow
     * @param slowCallRateThreshold  percent of slow calls that opens the breaker
     */
    record Breaker(@DefaultValue("50") float failureRateThreshold,
                   @DefaultValue("time-based") SlidingWindowType slidingWindowType,
                   @DefaultValue("30") int slidingWindowSize, @DefaultValue("20") int minimumNumberOfCalls,
                   @DefaultValue("30s") Duration waitInOpenState, @DefaultValue("10") int halfOpenCalls,
                   @DefaultValue("120s") Duration slowCallThreshold,
                   @DefaultValue("100") float slowCallRateThreshold) {

        /** The settings a breaker has when {@code caravan.breakers.<name>} sets none of them. */
        static Breaker defaults() {
            return new Breaker(50, SlidingWindowType.TIME_BASED, 30, 20, Duration.ofSeconds(30), 10,
                    Duration.ofSeconds(120), 100);
        }

        CircuitBreakerConfig toConfig() {
            return CircuitBreakerConfig.custom()
                    .failureRateThreshold(failureRateThreshold)
                    .slidingWindowType(slidingWindowType)
                    .slidingWindowSize(slidingWindowSize)
                    // a count window never holds more calls than its size
                    .minimumNumberOfCalls(slidingWindowType == SlidingWindowType.COUNT_BASED
                            ? Math.min(minimumNumberOfCalls, slidingWindowSize) : minimumNumberOfCalls)
                    .waitDurationInOpenState(waitInOpenState)
                    .automaticTransitionFromOpenToHalfOpenEnabled(false)
                    .permittedNumberOfCallsInHalfOpenState(halfOpenCalls)
                    .slowCallDurationThreshold(slowCallThreshold)
                    .slowCallRateThreshold(slowCallRateThreshold)
                    .writableStackTraceEnabled(false)
                    .build();
        }
    }

    /** The configurations by name; {@code default} has the defaults above unless application.yaml sets it. */
    Map<String, CircuitBreakerConfig> configs() {
        Map<String, CircuitBreakerConfig> configs = new HashMap<>();
        configs.put(DEFAULT, Breaker.defaults().toConfig());
        breakers.forEach((name, breaker) -> configs.put(name, breaker.toConfig()));
        return configs;
    }

    /** One breaker per provider, made from these settings. */
    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        CircuitBreakerRegistry providerBreakers(BreakerProperties properties) {
            return CircuitBreakerRegistry.of(properties.configs());
        }
    }
}
