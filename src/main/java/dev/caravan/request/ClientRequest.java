package dev.caravan.request;

import dev.caravan.openai.OpenAiRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.camel.Exchange;
import org.apache.camel.component.netty.http.NettyHttpMessage;

/**
 * The client's HTTP headers, read from the request itself. None of them becomes a Camel message header
 * (see {@link ClientHeaderFilter}), so none can steer a route; steps that need one read it here.
 */
public final class ClientRequest {

    /** The response header with the request id. */
    public static final String REQUEST_ID_HEADER = "x-request-id";

    private ClientRequest() {
    }

    /**
     * A new id: a UUID of version 7, which starts with the time in milliseconds, so ids sort by time and
     * index at the end of a B-tree. Without the secure random {@code UUID.randomUUID()} shares among threads.
     */
    public static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(System.currentTimeMillis() << 16 | 0x7000L | random.nextLong() & 0x0FFFL,
                random.nextLong() & 0x3FFFFFFFFFFFFFFFL | 0x8000000000000000L).toString();
    }

    /** Starts the exchange's {@link GatewayRequest} under its id, sent back as {@code x-request-id}. */
    public static GatewayRequest identify(Exchange exchange, String id) {
        exchange.getMessage().setHeader(REQUEST_ID_HEADER, id);
        return GatewayRequest.start(exchange, id);
    }

    /** Makes a validated request the exchange's body, for the routes behind the front door. */
    public static void accept(Exchange exchange, OpenAiRequest request) {
        GatewayRequest.of(exchange).model(request.model());
        exchange.getMessage().setBody(request);
    }

    /** The query parameters of the request line. */
    public static Map<String, List<String>> query(Exchange exchange) {
        NettyHttpMessage message = exchange.getIn(NettyHttpMessage.class);
        return message == null ? Map.of() : new QueryStringDecoder(message.getHttpRequest().uri()).parameters();
    }

    public static String header(Exchange exchange, String name) {
        NettyHttpMessage message = exchange.getIn(NettyHttpMessage.class);
        return message == null ? null : message.getHttpRequest().headers().get(name);
    }
}
