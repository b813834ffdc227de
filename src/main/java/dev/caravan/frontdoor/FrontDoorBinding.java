package dev.caravan.frontdoor;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Map;
import org.apache.camel.Exchange;
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

    @Override
    public void populateCamelHeaders(HttpRequest request, Map<String, Object> headers, Exchange exchange,
                                     NettyHttpConfiguration configuration) {
        headers.put(NettyHttpConstants.HTTP_METHOD, request.method().name());
        headers.put(NettyHttpConstants.HTTP_URI, new QueryStringDecoder(request.uri()).path());
    }
}
