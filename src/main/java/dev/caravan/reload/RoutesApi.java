package dev.caravan.reload;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.springframework.stereotype.Component;

/** {@code GET /admin/routes}: the route and configuration files that serve, their versions, and the last reload. */
@Component("routesApi")
public class RoutesApi {

    private final HotReload reload;
    private final CamelContext camel;

    RoutesApi(HotReload reload, CamelContext camel) {
        this.reload = reload;
        this.camel = camel;
    }

    public void show(Exchange exchange) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("reload").put("enabled", reload.enabled());
        ArrayNode files = body.putArray("files");
        ReloadHistory history = reload.history();
        Map<String, List<String>> routesByFile = reload.enabled() ? history.routesByFile() : routesByResource();
        if (reload.enabled()) {
            for (ReloadHistory.FileVersion file : history.files()) {
                ObjectNode node = files.addObject().put("file", file.name()).put("version", file.version())
                        .put("sha256", file.sha256()).put("applied_at", file.appliedAt().toString());
                routes(node, routesByFile.getOrDefault(file.name(), List.of()));
            }
        } else {
            routesByFile.forEach((file, ids) -> routes(files.addObject().put("file", file), ids));
        }
        ReloadHistory.Outcome last = history.lastOutcome();
        if (last != null) {
            ObjectNode node = body.putObject("last_reload").put("at", last.at().toString())
                    .put("outcome", last.applied() ? "applied" : "rejected").put("message", last.message());
            if (!last.where().isEmpty()) {
                node.put("where", last.where());
            }
        }
        exchange.getMessage().setBody(body.toString());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    private void routes(ObjectNode file, List<String> ids) {
        ArrayNode routes = file.putArray("routes");
        for (String id : ids) {
            routes.addObject().put("id", id).put("status", String.valueOf(camel.getRouteController().getRouteStatus(id)));
        }
    }

    /** Without hot reload: the routes by the resource Camel loaded them from. */
    private Map<String, List<String>> routesByResource() {
        Map<String, List<String>> byFile = new TreeMap<>();
        for (Route route : camel.getRoutes()) {
            String file = route.getSourceResource() == null ? "" : route.getSourceResource().getLocation();
            byFile.computeIfAbsent(file, f -> new ArrayList<>()).add(route.getRouteId());
        }
        return byFile;
    }
}
