package dev.caravan.reload;

import java.util.Map;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Producer;
import org.apache.camel.component.direct.DirectComponent;
import org.apache.camel.component.direct.DirectConsumer;
import org.apache.camel.component.direct.DirectConsumerNotAvailableException;
import org.apache.camel.component.direct.DirectEndpoint;
import org.apache.camel.support.DefaultAsyncProducer;
import org.springframework.stereotype.Component;

/**
 * Camel's {@code direct:} component, with producers that look their consumer up on every call. Camel's own
 * producer caches it under a component-wide counter and publishes the counter before the consumer: right
 * after a reload replaced a route, a second thread using the same producer can see the new counter with
 * the old (stopped) consumer, and its request fails with "SendProcessor has not been started". The lookup
 * is one uncontended lock.
 */
@Component("direct")
class SwapSafeDirectComponent extends DirectComponent {

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        DirectEndpoint endpoint = new DirectEndpoint(uri, this) {
            @Override
            public Producer createProducer() {
                return new LookupProducer(this);
            }
        };
        endpoint.setBlock(isBlock());
        endpoint.setTimeout(getTimeout());
        setProperties(endpoint, parameters);
        return endpoint;
    }

    private static final class LookupProducer extends DefaultAsyncProducer {

        private final DirectEndpoint endpoint;

        LookupProducer(DirectEndpoint endpoint) {
            super(endpoint);
            this.endpoint = endpoint;
        }

        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            DirectConsumer consumer;
            try {
                // waits for one while a route is replaced (block, timeout), as Camel's producer does
                consumer = endpoint.getConsumer();
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
