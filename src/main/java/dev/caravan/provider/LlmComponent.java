package dev.caravan.provider;

import dev.caravan.metrics.GatewayMetrics;
import dev.caravan.routing.ModelCatalog;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.camel.Endpoint;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.support.DefaultComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * The {@code llm:<provider>} component: each endpoint is one provider reached over the OpenAI protocol.
 * Endpoints register the models they serve in the {@link ModelCatalog} while they run.
 */
@Component("llm")
public class LlmComponent extends DefaultComponent {

    private static final Logger LOG = LoggerFactory.getLogger(LlmComponent.class);

    private final ModelCatalog catalog;
    private final CircuitBreakerRegistry breakers;
    private final GatewayMetrics metrics;
    private final Map<String, ProviderAdapter> adapters;
    private final EventLoopGroup eventLoops;
    private ScheduledExecutorService timer;
    private HashedWheelTimer deadlines;

    LlmComponent(ModelCatalog catalog, List<ProviderAdapter> adapters, CircuitBreakerRegistry breakers,
                 GatewayMetrics metrics, @Qualifier("frontDoorLoops") EventLoopGroup eventLoops) {
        this.catalog = catalog;
        this.eventLoops = eventLoops;
        this.breakers = breakers;
        this.metrics = metrics;
        this.adapters = adapters.stream().collect(Collectors.toMap(ProviderAdapter::id, Function.identity()));
    }

    /** Whether the provider's answers come from a language model (every provider but the built-in demo). */
    public boolean isLanguageModel(String provider) {
        return getCamelContext().getEndpoints().stream()
                .noneMatch(e -> e instanceof LlmEndpoint llm && llm.provider().equals(provider) && !llm.languageModel());
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters)
            throws Exception {
        // the endpoint's own URI leaves out the options: the api key must not reach a log line or JMX
        LlmEndpoint endpoint = new LlmEndpoint("llm://" + remaining, this, remaining);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /** The provider's breaker, with the named settings. */
    CircuitBreaker breaker(String provider, String config) {
        breakerSettings(provider, config);
        return breakers.circuitBreaker(provider, config);
    }

    /** @throws IllegalArgumentException when there are no such breaker settings */
    void breakerSettings(String provider, String config) {
        if (breakers.getConfiguration(config).isEmpty()) {
            throw new IllegalArgumentException("Provider '" + provider + "': no breaker settings 'caravan.breakers."
                    + config + "'");
        }
    }

    GatewayMetrics metrics() {
        return metrics;
    }

    ModelCatalog catalog() {
        return catalog;
    }

    /** Adapters whose quirks are data of the provider block now. */
    private static final Set<String> ADAPTERS_NOW_DATA = Set.of("deepseek", "qwen", "siliconflow", "groq");

    ProviderAdapter adapter(String id) {
        ProviderAdapter adapter = adapters.get(id);
        if (adapter == null) {
            throw new IllegalArgumentException("Unknown provider adapter '" + id + "'; known: " + adapters.keySet()
                    + (ADAPTERS_NOW_DATA.contains(id) ? "; its quirks are parameters of the provider block now (errorCodes, "
                    + "keepFields, …): copy them from the shipped routes/providers.camel.yaml" : ""));
        }
        return adapter;
    }

    /** The front door's Netty event loops, where upstream calls run too: no hand-off between the two. */
    EventLoopGroup eventLoops() {
        return eventLoops;
    }

    /**
     * Runs the waits before retries and the model discovery reads. The queue is unbounded (Camel's default profile
     * refuses the 1,001st task: as many requests may be waiting to retry), and a cancelled task leaves it.
     */
    synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            timer = getCamelContext().getExecutorServiceManager().newScheduledThreadPool(this,
                    "caravan-timer", new ThreadPoolProfileBuilder("caravan-timer").poolSize(1)
                            .maxQueueSize(-1).build());
            if (timer instanceof ScheduledThreadPoolExecutor pool) {
                pool.setRemoveOnCancelPolicy(true);
            }
        }
        return timer;
    }

    /**
     * Keeps the timeouts of upstream calls and open streams, one per call: a wheel ticking every 10 ms, which takes
     * a timeout and its cancellation from any thread without a lock or a wake-up.
     */
    synchronized Timer deadlines() {
        if (deadlines == null) {
            deadlines = new HashedWheelTimer(new DefaultThreadFactory("caravan-upstream-deadlines", true), 10,
                    TimeUnit.MILLISECONDS, 512);
        }
        return deadlines;
    }

    @Override
    protected synchronized void doStop() throws Exception {
        if (deadlines != null) {
            deadlines.stop();
            deadlines = null;
        }
        if (timer != null) {
            getCamelContext().getExecutorServiceManager().shutdown(timer);
            timer = null;
        }
        super.doStop();
    }
}
