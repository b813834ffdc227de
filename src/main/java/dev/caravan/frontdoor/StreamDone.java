package dev.caravan.frontdoor;

import dev.caravan.openai.EventStream;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;

/**
 * A stream's end: its {@link dev.caravan.request.RequestRecord}, with the stream's usage and time to first token,
 * goes to the {@code request-done} route then. A stream that failed after it started is kept with the failed
 * requests too.
 */
@Component
class StreamDone {

    private static final String DONE = "direct:request-done";

    private final ProducerTemplate routes;
    private final GracefulShutdown shutdown;
    private final StreamFailures streamFailures;
    private volatile Endpoint done;

    StreamDone(ProducerTemplate routes, GracefulShutdown shutdown, StreamFailures streamFailures) {
        this.routes = routes;
        this.shutdown = shutdown;
        this.streamFailures = streamFailures;
    }

    /** The route's endpoint, resolved once: resolving the URI on every request costs more than sending. */
    private Endpoint done() {
        Endpoint endpoint = done;
        if (endpoint == null) {
            endpoint = routes.getCamelContext().getEndpoint(DONE);
            done = endpoint;
        }
        return endpoint;
    }

    void whenEnded(Exchange exchange, EventStream stream) {
        long startNanos = System.nanoTime() - exchange.getClock().elapsed() * 1_000_000;
        shutdown.streamOpened();
        stream.outcome().thenAccept(outcome -> {
            if (outcome.failure() != null && !outcome.clientGone()) {
                streamFailures.failed(exchange, outcome.failure(), outcome.errorCode());
            }
            routes.sendBody(done(), RequestRecords.record(exchange, outcome.usage(), outcome,
                    outcome.firstTokenNanos() > 0 ? (outcome.firstTokenNanos() - startNanos) / 1_000_000 : null));
        }).whenComplete((recorded, failure) -> shutdown.streamClosed());
    }
}
