package dev.caravan.frontdoor;

import dev.caravan.routing.ModelCatalog;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * {@code GET /health} (the process answers) and {@code GET /ready} (some provider can serve, and the gateway
 * is not shutting down).
 */
@Component("health")
public class Health {

    private final ModelCatalog catalog;
    private final GracefulShutdown shutdown;

    Health(ModelCatalog catalog, GracefulShutdown shutdown) {
        this.catalog = catalog;
        this.shutdown = shutdown;
    }

    static boolean isProbe(String path) {
        return "/health".equals(path) || "/ready".equals(path);
    }

    public void live(Exchange exchange) {
        reply(exchange, 200, "{\"status\":\"ok\"}");
    }

    public void ready(Exchange exchange) {
        boolean ready = exchange.getContext().isStarted() && catalog.anyRoutable() && !shutdown.draining();
        reply(exchange, ready ? 200 : 503, ready ? "{\"status\":\"ready\"}"
                : shutdown.draining() ? "{\"status\":\"shutting_down\"}" : "{\"status\":\"not_ready\"}");
    }

    private static void reply(Exchange exchange, int status, String body) {
        exchange.getMessage().setBody(body);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
    }
}
