package dev.caravan.routing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.AnthropicError;
import dev.caravan.json.Json;
import dev.caravan.request.GatewayKey;
import dev.caravan.request.GatewayRequest;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: what the caller's key may use, in OpenAI's shape, or
 * in Anthropic's for a client that says it speaks it ({@code anthropic-version}).
 */
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
        GatewayKey key = GatewayRequest.of(exchange).key();
        boolean anthropic = AnthropicError.isAnthropicClient(exchange);
        ObjectNode list = Json.MAPPER.createObjectNode();
        if (!anthropic) {
            list.put("object", "list");
        }
        ArrayNode data = list.putArray("data");
        for (ModelCatalog.Listed model : catalog.list()) {
            if (key.allows(model.id(), model.route().canonicalName())) {
                data.add(model(model.id(), model.route().provider(), anthropic));
            }
        }
        if (anthropic) {
            list.put("has_more", false);
            list.set("first_id", data.isEmpty() ? null : data.get(0).get("id"));
            list.set("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id"));
        }
        reply(exchange, list);
    }

    /**
     * {@code GET /admin/models}: every model a routable provider serves, with its route; every retirement of the
     * presets, those past (served by their successor) and those coming; and the shutdown dates providers' own model
     * lists give (model discovery).
     */
    public void admin(Exchange exchange) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode models = body.putArray("models");
        for (ModelCatalog.Listed model : catalog.list()) {
            models.addObject().put("id", model.id()).put("provider", model.route().provider())
                    .put("upstream_model", model.route().upstreamModel());
        }
        ArrayNode retired = body.putArray("retirements");
        for (ModelCatalog.Retirement r : catalog.retirements()) {
            boolean past = catalog.isRetired(r);
            retired.addObject().put("model", r.model()).put("provider", r.provider()).put("successor", r.successor())
                    .put("date", r.date().toString()).put("status", past ? "retired" : "shutting_down")
                    .put("notice", past ? "Retired on " + r.date() + ": requests go to " + r.successor() + "."
                            : "Shuts down on " + r.date() + "; its successor is " + r.successor() + ".");
        }
        ArrayNode shutdowns = body.putArray("discovered_shutdowns");
        for (ModelCatalog.DiscoveredModel m : catalog.discoveredShutdowns()) {
            shutdowns.addObject().put("model", m.id()).put("provider", m.provider())
                    .put("date", m.shutdownDate().toString());
        }
        reply(exchange, body);
    }

    public void get(Exchange exchange) {
        String id = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class).substring(PATH_PREFIX.length());
        ModelCatalog.Route route = resolver.resolve(id, GatewayRequest.of(exchange).key());
        reply(exchange, model(id, route.provider(), AnthropicError.isAnthropicClient(exchange)));
    }

    private static ObjectNode model(String id, String provider, boolean anthropic) {
        if (anthropic) {
            return Json.MAPPER.createObjectNode().put("type", "model").put("id", id).put("display_name", id)
                    .put("created_at", "1970-01-01T00:00:00Z");
        }
        return Json.MAPPER.createObjectNode().put("id", id).put("object", "model").put("created", 0)
                .put("owned_by", provider);
    }

    private static void reply(Exchange exchange, ObjectNode body) {
        exchange.getMessage().setBody(body.toString());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }
}
