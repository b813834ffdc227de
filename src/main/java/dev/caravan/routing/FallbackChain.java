package dev.caravan.routing;

import dev.caravan.auth.GatewayKey;
import dev.caravan.metrics.GatewayMetrics;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.provider.LlmComponent;
import dev.caravan.provider.UpstreamException;
import dev.caravan.reload.ReloadableSettings;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.stereotype.Component;

/**
 * A model's fallback chain ({@code caravan.fallbacks}), walked by the {@code route-by-model} route: after a
 * provider failure that another provider may mend (the route decides), the next model of the chain that
 * the caller's key may use and a routable provider serves.
 */
@Component("fallbackChain")
public class FallbackChain implements ReloadableSettings {

    /** Exchange property: the models of the chain not tried yet. */
    static final String REMAINING = "caravanFallbacks";
    /** Exchange property: the model to try when the prompt is too long, until it is tried. */
    static final String LONG_CONTEXT = "caravanLongContext";
    /** Exchange property: how many times the request fell back. */
    public static final String TAKEN = "caravanFallbacksTaken";
    /** Exchange property: the providers of the chain skipped because their breaker was open, with their model. */
    static final String SKIPPED = "caravanSkippedByBreaker";
    /** Exchange property: the provider tried past its open breaker, every provider of the chain being skipped. */
    static final String PANIC = "caravanPanic";
    /** Exchange property: a provider answered, no candidate is left to try. */
    static final String ANSWERED = "caravanAnswered";

    /** The chains and long-context models, replaced whole on reload. */
    private record Chains(Map<String, List<String>> fallbacks, Map<String, String> longContext) {

        Chains(RoutingProperties properties) {
            this(Map.copyOf(properties.fallbacks()), Map.copyOf(properties.longContext()));
        }
    }

    private volatile Chains chains;
    private final ResolveModel resolver;
    private final GatewayMetrics metrics;
    private final CircuitBreakerRegistry breakers;

    FallbackChain(RoutingProperties properties, ResolveModel resolver, GatewayMetrics metrics,
                  CircuitBreakerRegistry breakers) {
        this.metrics = metrics;
        this.chains = new Chains(properties);
        this.resolver = resolver;
        this.breakers = breakers;
    }

    @Override
    public Runnable prepare(Binder candidate, Collection<Endpoint> endpoints) {
        RoutingProperties routing = candidate.bindOrCreate("caravan", RoutingProperties.class);
        Map<String, Set<String>> providers = ModelCatalog.providers(endpoints);
        Set<String> aliases = routing.aliases().keySet();
        routing.fallbacks().forEach((model, chain) -> {
            for (int i = 0; i < chain.size(); i++) {
                ModelCatalog.checkTarget("caravan.fallbacks" + ModelCatalog.key(model) + "[" + i + "]", chain.get(i),
                        providers, aliases);
            }
        });
        routing.longContext().forEach((model, target) -> ModelCatalog.checkTarget(
                "caravan.long-context" + ModelCatalog.key(model), target, providers, aliases));
        Chains edited = new Chains(routing);
        return () -> chains = edited;
    }

    /** Route step: starts the chain (and long-context model) of the model the client asked for. */
    public void start(Exchange exchange) {
        String model = exchange.getMessage().getBody(OpenAiRequest.class).model();
        Chains current = chains;
        List<String> chain = current.fallbacks().get(model);
        if (chain != null && !chain.isEmpty()) {
            exchange.setProperty(REMAINING, new ArrayDeque<>(chain));
        }
        String longContext = current.longContext().get(model);
        if (longContext != null) {
            exchange.setProperty(LONG_CONTEXT, longContext);
        }
    }

    /** Route step: the provider answered, which ends the walk over the candidates. */
    public void answered(Exchange exchange) {
        exchange.setProperty(ANSWERED, Boolean.TRUE);
    }

    /** Routes a prompt too long for its model to the model's long-context model; rethrows when unusable. */
    public void longContext(Exchange exchange) {
        String model = exchange.getProperty(LONG_CONTEXT, String.class);
        exchange.removeProperty(LONG_CONTEXT);
        if (!routeTo(exchange, model)) {
            throw (RuntimeException) failure(exchange);
        }
    }

    /** The failure doCatch caught. */
    private static Throwable failure(Exchange exchange) {
        return exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
    }

    /**
     * Routes the request to the next model of the chain. Once none is left, a chain whose providers were all
     * skipped by their open breakers does not answer 503 at once (like Envoy's panic threshold): the request
     * is tried once on the least bad of them, past its breaker. Else rethrows the failure.
     */
    public void next(Exchange exchange) {
        @SuppressWarnings("unchecked")
        Deque<String> remaining = exchange.getProperty(REMAINING, Deque.class);
        while (remaining != null && !remaining.isEmpty()) {
            if (routeTo(exchange, remaining.poll())) {
                return;
            }
        }
        if (!panic(exchange)) {
            throw (RuntimeException) failure(exchange);
        }
    }

    /**
     * Called by the provider when its breaker refuses the call: remembers the provider and its model, for
     * {@link #next} to fall back on when the whole chain is open.
     */
    public static void skippedByBreaker(Exchange exchange, String provider, String upstreamModel) {
        @SuppressWarnings("unchecked")
        Map<String, String> skipped = exchange.getProperty(SKIPPED, Map.class);
        if (skipped == null) {
            skipped = new LinkedHashMap<>(4);
            exchange.setProperty(SKIPPED, skipped);
        }
        skipped.putIfAbsent(provider, upstreamModel);
    }

    /** Whether the provider is to be called past its breaker: the chain is open and it is the least bad. */
    public static boolean panicking(Exchange exchange, String provider) {
        return provider.equals(exchange.getProperty(PANIC, String.class));
    }

    /**
     * Points the request at the provider with the lowest failure rate of those its chain skipped by their
     * breaker (half-open ones first: their trials are under way), when every provider the request reached was
     * skipped so and none was tried past its breaker yet.
     */
    private boolean panic(Exchange exchange) {
        @SuppressWarnings("unchecked")
        Map<String, String> skipped = exchange.getProperty(SKIPPED, Map.class);
        if (skipped == null || exchange.getProperty(PANIC) != null
                || !(failure(exchange) instanceof UpstreamException failure)
                || !skipped.containsKey(failure.provider()) || attemptedUpstream(exchange)) {
            return false;
        }
        String leastBad = null;
        float lowest = Float.MAX_VALUE;
        for (String provider : skipped.keySet()) {
            CircuitBreaker breaker = breakers.find(provider).orElse(null);
            if (breaker == null) {
                continue;
            }
            float rate = Math.max(0, breaker.getMetrics().getFailureRate())
                    + (breaker.getState() == CircuitBreaker.State.HALF_OPEN ? 0 : 100);
            if (rate < lowest) {
                lowest = rate;
                leastBad = provider;
            }
        }
        if (leastBad == null) {
            return false;
        }
        String from = exchange.getProperty(ModelCatalog.PROVIDER, String.class);
        exchange.setProperty(PANIC, leastBad);
        exchange.setProperty(ModelCatalog.PROVIDER, leastBad);
        exchange.setProperty(ModelCatalog.UPSTREAM_MODEL, skipped.get(leastBad));
        exchange.setProperty(TAKEN, exchange.getProperty(TAKEN, 0, Integer.class) + 1);
        metrics.fallback(from);
        metrics.panicTry(leastBad);
        return true;
    }

    /** Whether any provider was called for the request (an attempt is recorded for every call). */
    private static boolean attemptedUpstream(Exchange exchange) {
        List<?> attempts = exchange.getProperty(LlmComponent.ATTEMPTS, List.class);
        return attempts != null && !attempts.isEmpty();
    }

    /** Points the request at a model, if it is routable and the caller's key may use it. */
    private boolean routeTo(Exchange exchange, String model) {
        String from = exchange.getProperty(ModelCatalog.PROVIDER, String.class);
        try {
            ModelCatalog.Route route = resolver.resolve(model, exchange.getProperty(GatewayKey.PROPERTY, GatewayKey.class));
            exchange.setProperty(ModelCatalog.PROVIDER, route.provider());
            exchange.setProperty(ModelCatalog.UPSTREAM_MODEL, route.upstreamModel());
            exchange.setProperty(TAKEN, exchange.getProperty(TAKEN, 0, Integer.class) + 1);
            metrics.fallback(from);
            return true;
        } catch (GatewayException notUsable) {
            return false; // not routable now, or not for this key
        }
    }
}
