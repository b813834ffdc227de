package dev.caravan.frontdoor;

import org.apache.camel.Exchange;
import org.apache.camel.component.netty.http.NettyHttpMessage;

/**
 * The client's HTTP headers, read from the request itself. None of them becomes a Camel message header
 * (see {@link ClientHeaderFilter}), so none can steer a route; steps that need one read it here.
 */
public final class ClientRequest {

    /** Exchange property with the request id (also sent back as {@code x-request-id}). */
    public static final String REQUEST_ID = "caravanRequestId";
    /** The response header with the request id. */
    public static final String REQUEST_ID_HEADER = "x-request-id";

    private ClientRequest() {
    }

    public static String header(Exchange exchange, String name) {
        NettyHttpMessage message = exchange.getIn(NettyHttpMessage.class);
        return message == null ? null : message.getHttpRequest().headers().get(name);
    }
}
