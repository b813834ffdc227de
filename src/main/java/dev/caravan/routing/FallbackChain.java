package dev.caravan.routing;

import dev.caravan.metrics.GatewayMetrics;
import dev.caravan.openai.GatewayException;
import dev.caravan.reload.ReloadableSettings;
import dev.caravan.request.GatewayRequest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.Collection;
import java.util.Deque;
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
        GatewayRequest request = GatewayRequest.of(exchange);
        Chains current = chains;
        List<String> chain = current.fallbacks().get(request.model());
        if (chain != null && !chain.isEmpty()) {
            request.fallbacks(chain);
        }
        request.longContext(current.longContext().get(request.model()));
    }

    /** Route step: the provider answered, which ends the walk over the candidates. */
    public void answered(Exchange exchange) {
        GatewayRequest.of(exchange).answered(true);
    }

    /** Routes a prompt too long for its model to the model's long-context model; rethrows when unusable. */
    public void longContext(Exchange exchange) {
        GatewayRequest request = GatewayRequest.of(exchange);
        String model = request.longContext();
        request.longContext(null);
        if (!routeTo(exchange, request, model)) {
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
        GatewayRequest request = GatewayRequest.of(exchange);
        Deque<String> remaining = request.fallbacks();
        while (remaining != null && !remaining.isEmpty()) {
            if (routeTo(exchange, request, remaining.poll())) {
                return;
            }
        }
        if (!panic(exchange, request)) {
            throw (RuntimeException) failure(exchange);
        }
    }

    /**
     * Points the request at the provider with the lowest failure rate of those its chain skipped by their
     * breaker (half-open ones first: their trials are under way), when every provider the request reached was
     * skipped so (the one that just failed among them) and none was tried past its breaker yet.
     */
    private boolean panic(Exchange exchange, GatewayRequest request) {
        Map<String, String> skipped = request.skippedByBreaker();
        if (skipped.isEmpty() || request.pastBreaker() != null || !skipped.containsKey(request.provider())
                || !request.attempts().isEmpty()) {
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
        String from = request.provider();
        request.pastBreaker(leastBad);
        request.routeTo(exchange, leastBad, skipped.get(leastBad));
        request.fellBack();
        metrics.fallback(from);
        metrics.panicTry(leastBad);
        return true;
    }

    /** Points the request at a model, if it is routable and the caller's key may use it. */
    private boolean routeTo(Exchange exchange, GatewayRequest request, String model) {
        String from = request.provider();
        try {
            ModelCatalog.Route route = resolver.resolve(model, request.key());
            request.routeTo(exchange, route.provider(), route.upstreamModel());
            request.fellBack();
            metrics.fallback(from);
            return true;
        } catch (GatewayException notUsable) {
            return false; // not routable now, or not for this key
        }
    }
}
