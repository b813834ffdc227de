package dev.caravan.reload;

import dev.caravan.reload.RouteSet.Kind;
import dev.caravan.reload.RouteSet.Unit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;

/** The running routes as a reload changes them, one route, template or route configuration at a time. */
final class RouteModel {

    private final CamelContext camel;
    private final ModelCamelContext model;
    private final Duration drainTimeout;

    RouteModel(CamelContext camel, Duration drainTimeout) {
        this.camel = camel;
        this.model = (ModelCamelContext) camel;
        this.drainTimeout = drainTimeout;
    }

    /** Whether the route listens for HTTP (its {@code from} is {@code netty-http:}). */
    static boolean listens(Unit unit) {
        return ((RouteDefinition) unit.definition()).getInput().getEndpointUri().startsWith("netty-http:");
    }

    void add(Unit unit) {
        try {
            if (unit.kind() == Kind.ROUTE) {
                model.addRouteDefinition((RouteDefinition) unit.definition());
            } else {
                model.addRouteFromTemplatedRoute((TemplatedRouteDefinition) unit.definition());
            }
        } catch (Exception e) {
            throw new IllegalStateException("route '" + unit.id() + "' (" + unit.where() + ") did not start: "
                    + RouteSet.firstLine(e), e);
        }
    }

    /** Stops the route, letting the calls in it finish (up to the drain timeout), and removes it. */
    void remove(String id) {
        try {
            camel.getRouteController().stopRoute(id, Math.max(1, drainTimeout.toSeconds()),
                    TimeUnit.SECONDS);
            RouteDefinition definition = model.getRouteDefinition(id);
            if (definition != null) {
                model.removeRouteDefinition(definition);
            } else {
                camel.removeRoute(id);
            }
        } catch (Exception e) {
            throw new IllegalStateException("route '" + id + "' did not stop: " + RouteSet.firstLine(e), e);
        }
    }

    /** Replaces a route template or route configuration definition (either side may be null). */
    void replace(Unit old, Unit replacement) {
        try {
            if (old != null && old.kind() == Kind.TEMPLATE) {
                RouteTemplateDefinition live = model.getRouteTemplateDefinition(old.id());
                if (live != null) {
                    model.removeRouteTemplateDefinition(live);
                }
            } else if (old != null) {
                for (RouteConfigurationDefinition live : List.copyOf(model.getRouteConfigurationDefinitions())) {
                    if (old.id().equals(live.getId())) {
                        model.removeRouteConfiguration(live);
                    }
                }
            }
            if (replacement != null && replacement.kind() == Kind.TEMPLATE) {
                model.addRouteTemplateDefinition((RouteTemplateDefinition) replacement.definition());
            } else if (replacement != null) {
                model.addRouteConfiguration((RouteConfigurationDefinition) replacement.definition());
            }
        } catch (Exception e) {
            throw new IllegalStateException(RouteSet.firstLine(e), e);
        }
    }
}
