package dev.caravan.reload;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Producer;
import org.apache.camel.component.direct.DirectComponent;
import org.apache.camel.component.direct.DirectConsumer;
import org.apache.camel.component.direct.DirectConsumerNotAvailableException;
import org.apache.camel.component.direct.DirectEndpoint;
import org.apache.camel.support.DefaultAsyncProducer;
import org.apache.camel.util.StringHelper;

/**
 * Camel's {@code direct:} component, with producers that look their consumer up on every call. Camel's own
 * producer caches it under a component-wide counter and publishes the counter before the consumer: right
 * after a reload replaced a route, a second thread using the same producer can see the new counter with
 * the old (stopped) consumer, and its request fails with "SendProcessor has not been started". The lookup
 * reads a concurrent map; only a missing consumer takes Camel's locked, waiting path.
 *
 * <p>Only the gateway's own application ({@code CaravanApplication}) registers it, as {@code direct}: there
 * every {@code direct:} endpoint is the gateway's. Caravan embedded in another application leaves that
 * application's {@code direct} component as it is (Camel's own, or the application's); an application that
 * reloads Caravan's route files under load and wants the same safety declares a bean named {@code direct} of
 * this type itself.
 */
public class SwapSafeDirectComponent extends DirectComponent {

    /** The running consumers by key, as the component's own (locked) map has them. */
    private final Map<String, DirectConsumer> running = new ConcurrentHashMap<>();

    @Override
    public void addConsumer(String key, DirectConsumer consumer) {
        super.addConsumer(key, consumer);
        running.put(key, consumer);
    }

    @Override
    public void removeConsumer(String key, DirectConsumer consumer) {
        running.remove(key, consumer);
        super.removeConsumer(key, consumer);
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        String key = StringHelper.before(uri, "?", uri); // as DirectEndpoint keys its consumer
        DirectEndpoint endpoint = new DirectEndpoint(uri, this) {
            @Override
            public Producer createProducer() {
                return new LookupProducer(this, key);
            }
        };
        endpoint.setBlock(isBlock());
        endpoint.setTimeout(getTimeout());
        setProperties(endpoint, parameters);
        return endpoint;
    }

    private final class LookupProducer extends DefaultAsyncProducer {

        private final DirectEndpoint endpoint;
        private final String key;

        LookupProducer(DirectEndpoint endpoint, String key) {
            super(endpoint);
            this.endpoint = endpoint;
            this.key = key;
        }

        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            DirectConsumer consumer = running.get(key);
            try {
                if (consumer == null) {
                    // waits for one while a route is replaced (block, timeout), as Camel's producer does
                    consumer = endpoint.getConsumer();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.setException(e);
                callback.done(true);
                return true;
            }
            if (consumer == null) {
                if (endpoint.isFailIfNoConsumers()) {
                    exchange.setException(new DirectConsumerNotAvailableException(
                            "No consumers available on endpoint: " + endpoint, exchange));
                }
                callback.done(true);
                return true;
            }
            if (endpoint.isSynchronous()) {
                try {
                    consumer.getProcessor().process(exchange);
                } catch (Exception e) {
                    exchange.setException(e);
                }
                callback.done(true);
                return true;
            }
            return consumer.getAsyncProcessor().process(exchange, callback);
        }
    }
}
