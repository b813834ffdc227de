package dev.caravan.frontdoor;

import dev.caravan.routing.ModelCatalog;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/** {@code GET /health} (the process answers) and {@code GET /ready} (some provider can serve). */
@Component("health")
public class Health {

    private final ModelCatalog catalog;

    Health(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    public void live(Exchange exchange) {
        reply(exchange, 200, "{\"status\":\"ok\"}");
    }

    public void ready(Exchange exchange) {
        boolean ready = exchange.getContext().isStarted() && catalog.anyRoutable();
        reply(exchange, ready ? 200 : 503, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"not_ready\"}");
    }

    private static void reply(Exchange exchange, int status, String body) {
        exchange.getMessage().setBody(body);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
    }
}
