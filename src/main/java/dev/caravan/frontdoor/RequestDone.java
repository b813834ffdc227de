package dev.caravan.frontdoor;

import dev.caravan.auth.GatewayKey;
import dev.caravan.edge.Translation;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.Usage;
import dev.caravan.provider.Attempt;
import dev.caravan.provider.LlmComponent;
import dev.caravan.routing.FallbackChain;
import dev.caravan.routing.ModelCatalog;
import dev.caravan.usage.RequestRecord;
import dev.caravan.usage.Reservation;
import java.time.Instant;
import java.util.List;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.springframework.stereotype.Component;

/**
 * Front-door step once the response is sent: the request as a {@link RequestRecord}, handed to the
 * {@code request-done} route (pricing, logging). A stream's record goes when the stream ends, with its usage.
 */
@Component("requestDone")
class RequestDone implements Processor {

    private static final String DONE = "direct:request-done";

    private final ProducerTemplate routes;
    private final GracefulShutdown shutdown;
    private final StreamFailures streamFailures;
    private volatile Endpoint done;

    RequestDone(ProducerTemplate routes, GracefulShutdown shutdown, StreamFailures streamFailures) {
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
    public void process(Exchange exchange) {
        if (exchange.getMessage().getBody() instanceof EventStream stream) {
            long startNanos = System.nanoTime() - exchange.getClock().elapsed() * 1_000_000;
            shutdown.streamOpened();
            stream.outcome().thenAccept(outcome -> {
                if (outcome.failure() != null && !outcome.clientGone()) {
                    streamFailures.failed(exchange, outcome.failure(), outcome.errorCode());
                }
                routes.sendBody(done(), record(exchange, outcome.usage(), outcome, outcome.firstTokenNanos() > 0
                        ? (outcome.firstTokenNanos() - startNanos) / 1_000_000 : null));
            }).whenComplete((recorded, failure) -> shutdown.streamClosed());
        } else {
            routes.sendBody(done(), record(exchange, exchange.getProperty(Usage.PROPERTY, Usage.class), null, null));
        }
    }

    @SuppressWarnings("unchecked")
    private static RequestRecord record(Exchange exchange, Usage usage, EventStream.Outcome stream, Long ttftMillis) {
        GatewayKey key = exchange.getProperty(GatewayKey.PROPERTY, GatewayKey.class);
        Translation translation = Translation.of(exchange);
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
        // a failure a fallback mended stays caught on the exchange: only an error answer counts
        Throwable failure = status >= 400 ? exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class) : null;
        String error = failure instanceof GatewayException e ? e.error().code()
                : failure != null ? "internal_error" : stream != null ? stream.errorCode() : null;
        return new RequestRecord(exchange.getProperty(ClientRequest.REQUEST_ID, String.class),
                Instant.ofEpochMilli(exchange.getClock().getCreated()),
                exchange.getIn().getHeader(Exchange.HTTP_METHOD, String.class),
                exchange.getIn().getHeader(Exchange.HTTP_URI, String.class),
                status,
                key == null ? null : key.name(),
                exchange.getProperty(ClientRequest.MODEL, String.class),
                exchange.getProperty(ModelCatalog.PROVIDER, String.class),
                exchange.getProperty(ModelCatalog.UPSTREAM_MODEL, String.class),
                exchange.getProperty(LlmComponent.ATTEMPTS, List.of(), List.class),
                exchange.getProperty(FallbackChain.TAKEN, Integer.class),
                exchange.getProperty(LlmComponent.ACCEPTED, Boolean.class),
                error, usage, stream != null, stream != null && stream.clientGone(), ttftMillis,
                exchange.getClock().elapsed(), null, null, exchange.getProperty(Reservation.PROPERTY, Reservation.class),
                translation == null ? null : translation.droppedTools());
    }
}
