package dev.caravan.routing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.auth.GatewayKey;
import dev.caravan.openai.Json;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}: what the caller's key may use. */
@Component("modelsApi")
public class ModelsApi {

    private static final String PATH_PREFIX = "/v1/models/";

    private final ModelCatalog catalog;
    private final ResolveModel resolver;

    ModelsApi(ModelCatalog catalog, ResolveModel resolver) {
        this.catalog = catalog;
        this.resolver = resolver;
    }

    public void list(Exchange exchange) {
        GatewayKey key = exchange.getProperty(GatewayKey.PROPERTY, GatewayKey.class);
        ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        for (ModelCatalog.Listed model : catalog.list()) {
            if (key.allows(model.id(), model.route().canonicalName())) {
                data.add(model(model.id(), model.route().provider()));
            }
        }
        reply(exchange, list);
    }

    public void get(Exchange exchange) {
        String id = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class).substring(PATH_PREFIX.length());
        ModelCatalog.Route route = resolver.resolve(id, exchange.getProperty(GatewayKey.PROPERTY, GatewayKey.class));
        reply(exchange, model(id, route.provider()));
    }

    private static ObjectNode model(String id, String provider) {
        return Json.MAPPER.createObjectNode().put("id", id).put("object", "model").put("created", 0)
                .put("owned_by", provider);
    }

    private static void reply(Exchange exchange, ObjectNode body) {
        exchange.getMessage().setBody(body.toString());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }
}
