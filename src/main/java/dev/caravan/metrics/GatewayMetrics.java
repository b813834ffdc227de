package dev.caravan.metrics;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * The gateway's meters, scraped at {@code GET /metrics} (Prometheus text). Every label is a provider id
 * or an error class from configuration and code, never client input: cardinality stays bounded.
 */
@Component("metrics")
public class GatewayMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter deadLetters;

    GatewayMetrics(CircuitBreakerRegistry breakers) {
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        deadLetters = Counter.builder("caravan.dead.letters").description("Failed requests kept").register(registry);
    }

    /** One call to a provider; {@code outcome} is {@code ok} or the error class. */
    public void attempt(String provider, String outcome) {
        registry.counter("caravan.upstream.attempts", "provider", provider, "outcome",
                outcome.toLowerCase(Locale.ROOT)).increment();
    }

    public void retry(String provider) {
        registry.counter("caravan.upstream.retries", "provider", provider).increment();
    }

    /** A request moved on from {@code provider} to the next model of its chain. */
    public void fallback(String provider) {
        registry.counter("caravan.fallbacks", "provider", provider).increment();
    }

    /** A validated answer, accepted or not. */
    public void validated(String provider, boolean accepted) {
        registry.counter("caravan.answers.validated", "provider", provider, "accepted", String.valueOf(accepted))
                .increment();
    }

    public void deadLetter() {
        deadLetters.increment();
    }

    /** Route step for {@code GET /metrics}. */
    public void scrape(Exchange exchange) {
        exchange.getMessage().setBody(registry.scrape());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    }
}
