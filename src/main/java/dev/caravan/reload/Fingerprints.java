package dev.caravan.reload;

import dev.caravan.reload.RouteSet.Kind;
import dev.caravan.reload.RouteSet.Unit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.spi.PropertiesComponent;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.PropertyPlaceholderHelper;

/**
 * What makes a unit what it is, as text: two versions with the same fingerprint are the same route. A
 * route's fingerprint has its YAML with the configuration values it reads filled in, and the fingerprints
 * of its route template and route configurations, so a route changes when any of them does.
 */
final class Fingerprints {

    /** Leaves template parameters ({{id}}) and unknown keys as written. */
    private static final PropertyPlaceholderHelper LENIENT = new PropertyPlaceholderHelper(
            PropertiesComponent.PREFIX_TOKEN, PropertiesComponent.SUFFIX_TOKEN, ":", null, true);

    private Fingerprints() {
    }

    static Map<String, String> of(RouteSet routes, PropertyResolver properties) {
        Map<String, String> own = new LinkedHashMap<>();
        for (Unit unit : routes.units()) {
            own.put(unit.key(), LENIENT.replacePlaceholders(unit.node().toString(), properties::getProperty));
        }
        Map<String, String> fingerprints = new LinkedHashMap<>();
        for (Unit unit : routes.units()) {
            StringBuilder fingerprint = new StringBuilder(own.get(unit.key()));
            RouteDefinition route = null;
            if (unit.kind() == Kind.ROUTE) {
                route = (RouteDefinition) unit.definition();
            } else if (unit.kind() == Kind.TEMPLATED_ROUTE) {
                String template = ((TemplatedRouteDefinition) unit.definition()).getRouteTemplateRef();
                fingerprint.append(own.getOrDefault(Kind.TEMPLATE.yaml + " " + template, ""));
                route = routes.unit(Kind.TEMPLATE, template)
                        .map(t -> ((RouteTemplateDefinition) t.definition()).getRoute()).orElse(null);
            }
            if (route != null) {
                // a route naming none takes those without an id, so then any of them counts
                String ids = route.getRouteConfigurationId();
                List<String> named = ids == null ? List.of() : List.of(ids.strip().split("\\s*,\\s*"));
                for (Unit configuration : routes.units(Kind.CONFIGURATION)) {
                    if (ids == null || named.contains(configuration.id())) {
                        fingerprint.append(own.get(configuration.key()));
                    }
                }
            }
            fingerprints.put(unit.key(), fingerprint.toString());
        }
        return fingerprints;
    }
}
