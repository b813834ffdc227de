package dev.caravan.reload;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

/**
 * The routes of a set of route files: each route, route template, templated route and route configuration
 * (a unit) by kind and id, with its JSON and its Camel definition, loaded the way Camel loads the files at
 * start-up but not added to the context.
 */
final class RouteSet {

    enum Kind {
        ROUTE("route", "id"), TEMPLATE("routeTemplate", "id"), TEMPLATED_ROUTE("templatedRoute", "routeId"),
        CONFIGURATION("routeConfiguration", "id");

        final String yaml;
        final String idField;

        Kind(String yaml, String idField) {
            this.yaml = yaml;
            this.idField = idField;
        }

        static Optional<Kind> of(String yaml) {
            String camelCase = yaml.equals("route-configuration") ? "routeConfiguration"
                    : yaml.equals("route-template") ? "routeTemplate"
                    : yaml.equals("templated-route") ? "templatedRoute" : yaml;
            for (Kind kind : values()) {
                if (kind.yaml.equals(camelCase)) {
                    return Optional.of(kind);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * @param pointer    where its node is in the file
     * @param node       what the file says of it
     * @param definition its Camel definition: a RouteDefinition, RouteTemplateDefinition,
     *                   TemplatedRouteDefinition or RouteConfigurationDefinition
     */
    record Unit(Kind kind, String id, RouteFile file, int line, String pointer, JsonNode node, Object definition) {

        String key() {
            return kind.yaml + " " + id;
        }

        String where() {
            return file.name() + ":" + line;
        }
    }

    private static final Pattern CAMEL_LINE = Pattern.compile("line (\\d+), column");

    private final Map<String, Unit> units;

    private RouteSet(Map<String, Unit> units) {
        this.units = units;
    }

    Collection<Unit> units() {
        return units.values();
    }

    Optional<Unit> unit(Kind kind, String id) {
        return Optional.ofNullable(units.get(kind.yaml + " " + id));
    }

    List<Unit> units(Kind kind) {
        return units.values().stream().filter(unit -> unit.kind() == kind).toList();
    }

    /** Parses the files, checks them against the schema when given one, and loads their Camel definitions. */
    static RouteSet load(List<RouteFile> files, SchemaCheck schema, CamelContext camel) throws ReloadRejected {
        Map<String, Unit> units = new LinkedHashMap<>();
        for (RouteFile file : files) {
            if (schema != null && !file.kamelet()) {
                schema.check(file);
            }
            // before Camel's loader sees the file: it would apply beans, rest configuration and the like at once
            for (int i = 0; i < itemCount(file); i++) {
                unit(file, i, null);
            }
        }
        for (RouteFile file : files) {
            Definitions definitions = definitions(file, camel);
            for (int i = 0; i < itemCount(file); i++) {
                Unit unit = unit(file, i, definitions);
                Unit earlier = units.putIfAbsent(unit.key(), unit);
                if (earlier != null) {
                    throw new ReloadRejected(file.name(), unit.line(), unit.key() + " is defined twice (also at "
                            + earlier.where() + ")");
                }
            }
        }
        return new RouteSet(units);
    }

    /** A kamelet file is one route template. */
    private static int itemCount(RouteFile file) {
        return file.kamelet() ? 1 : file.items().size();
    }

    /** The file's item as a unit; without definitions, only checks that it is one (and returns null). */
    private static Unit unit(RouteFile file, int index, Definitions definitions) throws ReloadRejected {
        if (file.kamelet()) {
            String id = file.items().path("metadata").path("name").asText();
            Object definition = definitions == null ? null : definitions.find(Kind.TEMPLATE, id);
            if (definitions != null && definition == null) {
                throw new ReloadRejected(file.name(), 1, "Camel did not load kamelet '" + id + "'");
            }
            return definitions == null ? null : new Unit(Kind.TEMPLATE, id, file, file.lineOf("/metadata/name"), "",
                    file.items(), definition);
        }
        JsonNode item = file.items().get(index);
        int line = file.lineOf("/" + index);
        if (!item.isObject() || item.size() != 1) {
            throw new ReloadRejected(file.name(), line, "each item of a route file is one route, routeTemplate, "
                    + "templatedRoute or routeConfiguration");
        }
        String name = item.fieldNames().next();
        Kind kind = Kind.of(name).orElseThrow(() -> new ReloadRejected(file.name(), line, "'" + name
                + "' cannot be reloaded, only route, routeTemplate, templatedRoute and routeConfiguration can: "
                + "restart to apply it"));
        JsonNode node = item.get(name);
        String id = node.path(kind.idField).asText("");
        if (id.isBlank()) {
            throw new ReloadRejected(file.name(), line, "this " + kind.yaml + " needs an '" + kind.idField
                    + "': a reload replaces what changed by id");
        }
        if (definitions == null) {
            return null;
        }
        Object definition = definitions.find(kind, id);
        if (definition == null) {
            throw new ReloadRejected(file.name(), line, "Camel did not load " + kind.yaml + " '" + id + "'");
        }
        return new Unit(kind, id, file, line, "/" + index + "/" + name, node, definition);
    }

    /** A file's definitions, by kind. */
    private record Definitions(List<RouteDefinition> routes, List<RouteTemplateDefinition> templates,
                               List<TemplatedRouteDefinition> templatedRoutes,
                               List<RouteConfigurationDefinition> configurations) {

        Object find(Kind kind, String id) {
            List<?> all = switch (kind) {
                case ROUTE -> routes;
                case TEMPLATE -> templates;
                case TEMPLATED_ROUTE -> templatedRoutes;
                case CONFIGURATION -> configurations;
            };
            return all.stream().filter(definition -> id.equals(switch (kind) {
                case ROUTE -> ((RouteDefinition) definition).getId();
                case TEMPLATE -> ((RouteTemplateDefinition) definition).getId();
                case TEMPLATED_ROUTE -> ((TemplatedRouteDefinition) definition).getRouteId();
                case CONFIGURATION -> ((RouteConfigurationDefinition) definition).getId();
            })).findFirst().orElse(null);
        }
    }

    private static Definitions definitions(RouteFile file, CamelContext camel) throws ReloadRejected {
        List<RouteDefinition> routes = new ArrayList<>();
        List<RouteTemplateDefinition> templates = new ArrayList<>();
        List<TemplatedRouteDefinition> templatedRoutes = new ArrayList<>();
        List<RouteConfigurationDefinition> configurations = new ArrayList<>();
        try {
            for (RoutesBuilder builder : PluginHelper.getRoutesLoader(camel)
                    .findRoutesBuilders(List.of(ResourceHelper.fromString("file:" + file.name(), file.content())))) {
                // the YAML DSL's builders: route configurations first, then the rest, as Camel itself does
                RouteBuilder yaml = (RouteBuilder) builder;
                yaml.setCamelContext(camel);
                if (yaml instanceof RouteConfigurationBuilder withConfigurations) {
                    withConfigurations.configuration();
                    configurations.addAll(withConfigurations.getRouteConfigurationCollection().getRouteConfigurations());
                }
                routes.addAll(yaml.configureRoutes(camel).getRoutes());
                templates.addAll(yaml.getRouteTemplateCollection().getRouteTemplates());
                templatedRoutes.addAll(yaml.getTemplatedRouteCollection().getTemplatedRoutes());
            }
        } catch (Exception e) {
            throw new ReloadRejected(file.name(), camelLine(e), firstLine(e));
        }
        return new Definitions(routes, templates, templatedRoutes, configurations);
    }

    /** The line Camel's YAML DSL names in its message, if it does. */
    private static int camelLine(Throwable e) {
        int line = 0;
        for (Throwable t = e; t != null; t = t.getCause()) {
            Matcher m = CAMEL_LINE.matcher(String.valueOf(t.getMessage()));
            while (m.find()) {
                line = Integer.parseInt(m.group(1));
            }
            if (line > 0) {
                return line;
            }
        }
        return 0;
    }

    static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root && (root.getMessage() == null
                || root.getMessage().startsWith(root.getCause().getClass().getName()))) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
