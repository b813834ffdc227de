package dev.caravan.reload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.caravan.json.JsonSchemas;
import dev.caravan.reload.RouteSet.Unit;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.model.TemplatedRouteParameterDefinition;

/**
 * The parameters a templated route gives its template, checked as Camel would only find at start, or never:
 * each one the template has, each required one set, and, for a kamelet, each value (placeholders filled in) of
 * the type, range and form its definition gives. A mistake is reported on the line of the parameter.
 */
final class TemplateParameters {

    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d{1,18}");
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

    private TemplateParameters() {
    }

    /**
     * @param resolve fills in the placeholders of a value; throws IllegalArgumentException for one that does not
     *                resolve (which the route's own check reports)
     * @return the template's parameters as this templated route sets them, defaults filled in, as written
     */
    static Map<String, String> of(Unit unit, Unit template, UnaryOperator<String> resolve) throws ReloadRejected {
        TemplatedRouteDefinition templated = (TemplatedRouteDefinition) unit.definition();
        RouteTemplateDefinition definition = (RouteTemplateDefinition) template.definition();
        Map<String, String> values = new HashMap<>();
        Set<String> known = new LinkedHashSet<>();
        for (RouteTemplateParameterDefinition parameter : definition.getTemplateParameters()) {
            known.add(parameter.getName());
            if (parameter.getDefaultValue() != null) {
                values.put(parameter.getName(), parameter.getDefaultValue());
            }
        }
        for (TemplatedRouteParameterDefinition parameter : templated.getParameters()) {
            if (!known.contains(parameter.getName())) {
                throw rejected(unit, parameter.getName(), false, "route template '" + definition.getId()
                        + "' has no parameter '" + parameter.getName() + "'; it has " + known);
            }
            values.put(parameter.getName(), parameter.getValue());
        }
        for (RouteTemplateParameterDefinition parameter : definition.getTemplateParameters()) {
            if (!values.containsKey(parameter.getName()) && !Boolean.FALSE.toString().equals(parameter.getRequired())) {
                throw rejected(unit, null, false, "does not set parameter '" + parameter.getName()
                        + "' of route template '" + definition.getId() + "', which has no default");
            }
        }
        JsonNode properties = template.node().path("spec").path("definition").path("properties");
        for (Map.Entry<String, String> value : values.entrySet()) {
            JsonNode schema = properties.get(value.getKey());
            if (schema != null) {
                typed(unit, value.getKey(), value.getValue(), schema, resolve);
            }
        }
        return values;
    }

    private static void typed(Unit unit, String name, String written, JsonNode schema, UnaryOperator<String> resolve)
            throws ReloadRejected {
        String value;
        try {
            value = resolve.apply(written);
        } catch (IllegalArgumentException unresolved) {
            return;
        }
        JsonNode typed = typed(value, schema.path("type").asText("string"));
        String found = JsonSchemas.problem(schema, typed);
        if (found == null) {
            return;
        }
        String type = schema.path("type").asText("string");
        boolean secret = "password".equals(schema.path("format").asText());
        String shown = secret ? "its value" : "'" + value + "'"
                + (written.equals(value) ? "" : " (" + written + ")");
        String problem = typed.isTextual() && !"string".equals(type)
                ? shown + " is not " + ("integer".equals(type) ? "an integer" : "a " + type)
                : shown + ": " + found.replaceFirst("^\\$: ", "");
        throw rejected(unit, name, true, "parameter '" + name + "': " + problem);
    }

    /** The text as the JSON value of the type the definition gives it; text when it is not one. */
    private static JsonNode typed(String value, String type) {
        String v = value.strip();
        return switch (type) {
            case "integer" -> INTEGER.matcher(v).matches() ? LongNode.valueOf(Long.parseLong(v)) : TextNode.valueOf(value);
            case "number" -> NUMBER.matcher(v).matches() ? DoubleNode.valueOf(Double.parseDouble(v))
                    : TextNode.valueOf(value);
            case "boolean" -> v.equalsIgnoreCase("true") ? BooleanNode.TRUE
                    : v.equalsIgnoreCase("false") ? BooleanNode.FALSE : TextNode.valueOf(value);
            default -> TextNode.valueOf(value);
        };
    }

    /** On the line of the parameter (its value, or its entry) when the block sets it, else of the block. */
    static ReloadRejected rejected(Unit unit, String parameter, boolean atValue, String reason) {
        int line = unit.line();
        JsonNode parameters = unit.node().path("parameters");
        for (int i = 0; parameter != null && i < parameters.size(); i++) {
            if (parameter.equals(parameters.get(i).path("name").asText())) {
                String entry = unit.pointer() + "/parameters/" + i;
                line = unit.file().lineOf(atValue ? entry + "/value" : entry);
                break;
            }
        }
        return new ReloadRejected(unit.file().name(), line, "templatedRoute '" + unit.id() + "': " + reason);
    }
}
