package dev.caravan.frontdoor;

import dev.caravan.request.ClientRequest;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * First step of every request: its {@link dev.caravan.request.GatewayRequest}, under the client's
 * {@code x-request-id} when usable, else a new id. While the gateway shuts down, only the probes are answered.
 */
@Component("acceptRequest")
class AcceptRequest implements Processor {

    private static final Pattern USABLE_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    private final GracefulShutdown shutdown;

    AcceptRequest(GracefulShutdown shutdown) {
        this.shutdown = shutdown;
    }

    @Override
    public void process(Exchange exchange) {
        String id = ClientRequest.header(exchange, ClientRequest.REQUEST_ID_HEADER);
        ClientRequest.identify(exchange, id != null && USABLE_ID.matcher(id).matches() ? id : ClientRequest.newId());
        if (shutdown.draining() && !Health.isProbe(exchange.getIn().getHeader(Exchange.HTTP_URI, String.class))) {
            shutdown.refuse(exchange);
        }
    }
}
