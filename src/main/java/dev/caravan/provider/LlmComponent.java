package dev.caravan.provider;

import dev.caravan.routing.ModelCatalog;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.springframework.stereotype.Component;

/**
 * The {@code llm:<provider>} component: each endpoint is one provider reached over the OpenAI protocol.
 * Endpoints register the models they serve in the {@link ModelCatalog} while they run.
 */
@Component("llm")
public class LlmComponent extends DefaultComponent {

    private final ModelCatalog catalog;
    private final Map<String, ProviderAdapter> adapters;
    private ExecutorService executor;
    private ScheduledExecutorService timer;

    LlmComponent(ModelCatalog catalog, List<ProviderAdapter> adapters) {
        this.catalog = catalog;
        this.adapters = adapters.stream().collect(Collectors.toMap(ProviderAdapter::id, Function.identity()));
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters)
            throws Exception {
        // the endpoint's own URI leaves out the options: the api key must not reach a log line or JMX
        LlmEndpoint endpoint = new LlmEndpoint("llm://" + remaining, this, remaining);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    ModelCatalog catalog() {
        return catalog;
    }

    ProviderAdapter adapter(String id) {
        ProviderAdapter adapter = adapters.get(id);
        if (adapter == null) {
            throw new IllegalArgumentException("Unknown provider adapter '" + id + "'; known: " + adapters.keySet());
        }
        return adapter;
    }

    /** Where upstream answers are handled: shared by every provider, threads only while work is in hand. */
    synchronized ExecutorService executor() {
        if (executor == null) {
            executor = getCamelContext().getExecutorServiceManager().newCachedThreadPool(this, "caravan-upstream");
        }
        return executor;
    }

    /** Keeps the deadlines of open streams. */
    synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            timer = getCamelContext().getExecutorServiceManager().newSingleThreadScheduledExecutor(this,
                    "caravan-stream-deadlines");
        }
        return timer;
    }

    @Override
    protected synchronized void doStop() throws Exception {
        if (executor != null) {
            getCamelContext().getExecutorServiceManager().shutdown(executor);
            executor = null;
        }
        if (timer != null) {
            getCamelContext().getExecutorServiceManager().shutdown(timer);
            timer = null;
        }
        super.doStop();
    }
}
