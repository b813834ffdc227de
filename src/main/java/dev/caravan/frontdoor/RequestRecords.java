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
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Step once the response is sent: the answered request as a {@link RequestRecord}, in the body, for the
 * {@code request-done} route (pricing, metrics, log line, ledger). A stream's record is made when it ends
 * ({@link StreamDone}); the steps stop here for it.
 */
@Component("requestRecord")
class RequestRecords implements Processor {

    private final StreamDone streamDone;

    RequestRecords(StreamDone streamDone) {
        this.streamDone = streamDone;
    }

    @Override
    public void process(Exchange exchange) {
        if (exchange.getMessage().getBody() instanceof EventStream stream) {
            streamDone.whenEnded(exchange, stream);
            exchange.setRouteStop(true);
            return;
        }
        exchange.getMessage().setBody(record(exchange, exchange.getProperty(Usage.PROPERTY, Usage.class), null, null));
    }

    @SuppressWarnings("unchecked")
    static RequestRecord record(Exchange exchange, Usage usage, EventStream.Outcome stream, Long ttftMillis) {
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
