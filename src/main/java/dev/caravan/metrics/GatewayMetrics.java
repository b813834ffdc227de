package dev.caravan.metrics;

import dev.caravan.request.RequestRecord;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
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
    private final Counter deadLettersDropped;

    private final ListedModels catalog;

    GatewayMetrics(CircuitBreakerRegistry breakers, ListedModels catalog) {
        this.catalog = catalog;
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        deadLetters = Counter.builder("caravan.dead.letters").description("Failed requests kept").register(registry);
        deadLettersDropped = Counter.builder("caravan.dead.letters.dropped")
                .description("Dead letters removed for the count or age limit, oldest first").register(registry);
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

    /** Every provider of a request's chain was open: it is tried on {@code provider}, the least bad, anyway. */
    public void panicTry(String provider) {
        registry.counter("caravan.breaker.panic.tries", "provider", provider).increment();
    }

    /** A validated answer, accepted or not. */
    public void validated(String provider, boolean accepted) {
        registry.counter("caravan.answers.validated", "provider", provider, "accepted", String.valueOf(accepted))
                .increment();
    }

    /** A value read at each scrape, such as a backlog or a budget's remainder. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value, String... tags) {
        Gauge.builder(name, source, value).description(description).tags(tags).strongReference(true)
                .register(registry);
    }

    public void deadLetter() {
        deadLetters.increment();
    }

    public void deadLettersDropped(int count) {
        deadLettersDropped.increment(count);
    }

    /**
     * Route step of {@code request-done}: the request's duration, tokens, time to first token and cost, by
     * provider, model and key name, under the OpenTelemetry GenAI names where they fit. A model the
     * catalog does not list is labelled {@code other}: clients must not create label values.
     */
    public void request(Exchange exchange) throws Exception {
        RequestRecord r = exchange.getMessage().getMandatoryBody(RequestRecord.class);
        if (r.provider() == null) {
            return;
        }
        Tags tags = Tags.of("provider", r.provider(), "model", listed(r.model()), "key", String.valueOf(r.key()));
        registry.timer("gen_ai.server.request.duration", tags.and("error", r.error() == null ? "none" : r.error()))
                .record(r.durationMillis(), TimeUnit.MILLISECONDS);
        if (r.ttftMillis() != null) {
            registry.timer("gen_ai.server.time_to_first_token", tags).record(r.ttftMillis(), TimeUnit.MILLISECONDS);
        }
        if (r.usage() != null) {
            registry.summary("gen_ai.client.token.usage", tags.and("gen_ai.token.type", "input"))
                    .record(r.usage().promptTokens());
            registry.summary("gen_ai.client.token.usage", tags.and("gen_ai.token.type", "output"))
                    .record(r.usage().completionTokens());
        }
        if (r.cost() != null) {
            registry.counter("caravan.cost", tags.and("currency", r.costCurrency())).increment(r.cost().doubleValue());
        }
    }

    private String listed(String model) {
        return catalog.isListed(model) ? model : "other";
    }

    /** Route step for {@code GET /metrics}. */
    public void scrape(Exchange exchange) {
        exchange.getMessage().setBody(registry.scrape());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    }
}
