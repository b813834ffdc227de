package dev.caravan.usage;

import dev.caravan.request.GatewayRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.springframework.stereotype.Component;

/** Route predicate: the caller's key has limits, so the request reserves its estimated cost and tokens first. */
@Component("keyHasLimits")
class KeyHasLimits implements Predicate {

    @Override
    public boolean matches(Exchange exchange) {
        return GatewayRequest.of(exchange).limited();
    }
}
