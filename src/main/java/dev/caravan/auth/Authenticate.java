package dev.caravan.auth;

import dev.caravan.request.ClientRequest;
import dev.caravan.request.GatewayKey;
import dev.caravan.request.GatewayRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Route step: the caller's gateway key from {@code Authorization: Bearer}, or from {@code x-api-key} (what
 * Anthropic's clients send), or 401.
 */
@Component("authenticate")
class Authenticate implements Processor {

    private final ApiKeys keys;

    Authenticate(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public void process(Exchange exchange) {
        String authorization = ClientRequest.header(exchange, "Authorization");
        String apiKey = authorization == null ? ClientRequest.header(exchange, "x-api-key") : null;
        GatewayKey key = keys.authenticate(apiKey != null ? "Bearer " + apiKey : authorization);
        GatewayRequest.of(exchange).key(key);
    }
}
