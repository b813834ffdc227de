package dev.caravan.routing;

import dev.caravan.request.GatewayRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.springframework.stereotype.Component;

/** Route predicate: no provider has answered the request yet; the next candidate is to be tried. */
@Component("noAnswerYet")
class NoAnswerYet implements Predicate {

    @Override
    public boolean matches(Exchange exchange) {
        return !GatewayRequest.of(exchange).answered();
    }
}
