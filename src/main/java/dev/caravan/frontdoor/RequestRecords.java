package dev.caravan.frontdoor;

import dev.caravan.edge.Translation;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.Usage;
import dev.caravan.request.GatewayRequest;
import dev.caravan.request.RequestRecord;
import java.time.Instant;
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
        exchange.getMessage().setBody(record(exchange, GatewayRequest.of(exchange).usage(), null, null));
    }

    static RequestRecord record(Exchange exchange, Usage usage, EventStream.Outcome stream, Long ttftMillis) {
        GatewayRequest request = GatewayRequest.of(exchange);
        Translation translation = request.translation();
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
        // a failure a fallback mended stays caught on the exchange: only an error answer counts
        Throwable failure = status >= 400 ? exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class) : null;
        String error = failure instanceof GatewayException e ? e.error().code()
                : failure != null ? "internal_error" : stream != null ? stream.errorCode() : null;
        return new RequestRecord(request.id(),
                Instant.ofEpochMilli(exchange.getClock().getCreated()),
                exchange.getIn().getHeader(Exchange.HTTP_METHOD, String.class),
                exchange.getIn().getHeader(Exchange.HTTP_URI, String.class),
                status,
                request.key() == null ? null : request.key().name(),
                request.model(), request.provider(), request.upstreamModel(), request.attempts(),
                request.fallbacksTaken() > 0 ? request.fallbacksTaken() : null,
                request.accepted(),
                error, usage, stream != null, stream != null && stream.clientGone(), ttftMillis,
                exchange.getClock().elapsed(), null, null, request.reservation(),
                translation == null ? null : translation.droppedTools());
    }
}
