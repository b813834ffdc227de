package dev.caravan.frontdoor;

import dev.caravan.openai.EventStream;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.netty.http.DefaultNettyHttpBinding;
import org.apache.camel.component.netty.http.NettyHttpConfiguration;
import org.apache.camel.component.netty.http.NettyHttpConstants;
import org.springframework.stereotype.Component;

/**
 * Binds a client request to a Camel message with two headers only, method and path, taken from the
 * request line. Client headers, query parameters and form bodies are never mapped (Camel's default
 * binding maps all three, and a JSON body sent as a form closed the connection without an answer).
 */
@Component("frontDoorBinding")
class FrontDoorBinding extends DefaultNettyHttpBinding {

    FrontDoorBinding(ClientHeaderFilter responseHeaders) {
        super(responseHeaders);
    }

    /** A streamed answer goes out as its head with the gateway's headers; {@link SseWriter} writes the rest. */
    @Override
    public HttpResponse toNettyResponse(Message message, NettyHttpConfiguration configuration) throws Exception {
        if (!(message.getBody() instanceof EventStream stream)) {
            return super.toNettyResponse(message, configuration);
        }
        StreamingResponse response = new StreamingResponse(stream);
        message.getHeaders().forEach((name, value) -> {
            if (!getHeaderFilterStrategy().applyFilterToCamelHeaders(name, value, message.getExchange())) {
                response.headers().set(name, value);
            }
        });
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        return response;
    }

    @Override
    public void populateCamelHeaders(HttpRequest request, Map<String, Object> headers, Exchange exchange,
                                     NettyHttpConfiguration configuration) {
        headers.put(NettyHttpConstants.HTTP_METHOD, request.method().name());
        headers.put(NettyHttpConstants.HTTP_URI, new QueryStringDecoder(request.uri()).path());
    }
}
