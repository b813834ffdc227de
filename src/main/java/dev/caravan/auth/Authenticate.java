package dev.caravan.auth;

import dev.caravan.frontdoor.ClientRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/** Route step: the caller's gateway key from {@code Authorization: Bearer}, or 401. */
@Component("authenticate")
class Authenticate implements Processor {

    private final ApiKeys keys;

    Authenticate(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public void process(Exchange exchange) {
        GatewayKey key = keys.authenticate(ClientRequest.header(exchange, "Authorization"));
        exchange.setProperty(GatewayKey.PROPERTY, key);
        exchange.setProperty(GatewayKey.LIMITED, key.limits().any());
    }
}
