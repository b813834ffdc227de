package dev.caravan.provider;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
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
     * @param slidingWindowSize      calls the failure rate is computed over
     * @param minimumNumberOfCalls   calls before the rate counts
     * @param waitInOpenState        how long an open breaker sends everything to the fallback
     * @param halfOpenCalls          trial calls that decide whether it closes again
     * @param slowCallThreshold      calls slower than this count as slow
     * @param slowCallRateThreshold  percent of slow calls that opens the breaker
     */
    record Breaker(@DefaultValue("50") float failureRateThreshold, @DefaultValue("20") int slidingWindowSize,
                   @DefaultValue("10") int minimumNumberOfCalls, @DefaultValue("30s") Duration waitInOpenState,
                   @DefaultValue("3") int halfOpenCalls, @DefaultValue("120s") Duration slowCallThreshold,
                   @DefaultValue("100") float slowCallRateThreshold) {

        CircuitBreakerConfig toConfig() {
            return CircuitBreakerConfig.custom()
                    .failureRateThreshold(failureRateThreshold)
                    .slidingWindowSize(slidingWindowSize)
                    .minimumNumberOfCalls(minimumNumberOfCalls)
                    .waitDurationInOpenState(waitInOpenState)
                    .automaticTransitionFromOpenToHalfOpenEnabled(false)
                    .permittedNumberOfCallsInHalfOpenState(halfOpenCalls)
                    .slowCallDurationThreshold(slowCallThreshold)
                    .slowCallRateThreshold(slowCallRateThreshold)
                    .writableStackTraceEnabled(false)
                    .build();
        }
    }

    /** The configurations by name; {@code default} is Resilience4j's own unless application.yaml sets it. */
    Map<String, CircuitBreakerConfig> configs() {
        Map<String, CircuitBreakerConfig> configs = new HashMap<>();
        configs.put(DEFAULT, CircuitBreakerConfig.ofDefaults());
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
