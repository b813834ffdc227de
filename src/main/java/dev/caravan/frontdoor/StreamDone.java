package dev.caravan.frontdoor;

import dev.caravan.openai.EventStream;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;

/**
 * Step once a stream's headers are sent: when the stream ends, its {@link dev.caravan.usage.RequestRecord},
 * with the stream's usage and time to first token, goes to the {@code request-done} route. A stream that failed
 * after it started is kept with the failed requests too.
 */
@Component("streamDone")
class StreamDone implements Processor {

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

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException {
        EventStream stream = exchange.getMessage().getMandatoryBody(EventStream.class);
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
