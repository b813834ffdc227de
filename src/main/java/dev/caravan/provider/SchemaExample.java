package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Set;

/**
 * An instance of a JSON Schema, built from the schema alone: what the demo provider answers for tool
 * arguments and {@code json_schema} responses, so its answers are valid by construction. Covers the
 * keywords function and response schemas use: types, properties, required, items, enum, const, bounds,
 * lengths, formats, local {@code $ref}s and the first branch of {@code anyOf}/{@code oneOf}/{@code allOf}.
 */
final class SchemaExample {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 16;

    private SchemaExample() {
    }

    static JsonNode of(JsonNode schema) {
        return of(schema, schema, 0);
    }

    private static JsonNode of(JsonNode schema, JsonNode root, int depth) {
        if (depth > MAX_DEPTH || schema == null || !schema.isObject()) {
            return NODES.nullNode();
        }
        if (schema.has("$ref")) {
            return of(root.at(schema.get("$ref").asText().replaceFirst("^#", "")), root, depth + 1);
        }
        for (String keyword : new String[] {"const", "default"}) {
            if (schema.has(keyword)) {
                return schema.get(keyword);
            }
        }
        if (schema.path("enum").size() > 0) {
            return schema.get("enum").get(0);
        }
        for (String keyword : new String[] {"anyOf", "oneOf", "allOf"}) {
            if (schema.path(keyword).size() > 0) {
                return of(schema.get(keyword).get(0), root, depth + 1);
            }
        }
        return switch (type(schema)) {
            case "object" -> object(schema, root, depth);
            case "array" -> array(schema, root, depth);
            case "integer" -> NODES.numberNode((long) Math.ceil(bounded(schema, 1)));
            case "number" -> NODES.numberNode(bounded(schema, 1.5));
            case "boolean" -> NODES.booleanNode(true);
            case "null" -> NODES.nullNode();
            default -> NODES.textNode(string(schema));
        };
    }

    private static String type(JsonNode schema) {
        JsonNode type = schema.get("type");
        if (type != null && type.isArray()) {
            for (JsonNode t : type) {
                if (!"null".equals(t.asText())) {
                    return t.asText();
                }
            }
        }
        if (type != null && type.isTextual()) {
            return type.asText();
        }
        return schema.has("properties") ? "object" : schema.has("items") ? "array" : "string";
    }

    private static ObjectNode object(JsonNode schema, JsonNode root, int depth) {
        ObjectNode object = NODES.objectNode();
        Set<String> required = new HashSet<>();
        schema.path("required").forEach(name -> required.add(name.asText()));
        schema.path("properties").fields().forEachRemaining(property -> object.set(property.getKey(),
                of(property.getValue(), root, depth + 1)));
        required.forEach(name -> {
            if (!object.has(name)) {
                object.put(name, "demo");
            }
        });
        return object;
    }

    private static ArrayNode array(JsonNode schema, JsonNode root, int depth) {
        ArrayNode array = NODES.arrayNode();
        int items = Math.max(1, schema.path("minItems").asInt(1));
        for (int i = 0; i < items; i++) {
            array.add(of(schema.get("items"), root, depth + 1));
        }
        return array;
    }

    private static double bounded(JsonNode schema, double preferred) {
        double value = preferred;
        if (schema.has("minimum")) {
            value = Math.max(value, schema.get("minimum").asDouble());
        }
        if (schema.has("exclusiveMinimum") && schema.get("exclusiveMinimum").isNumber()) {
            value = Math.max(value, schema.get("exclusiveMinimum").asDouble() + 1);
        }
        if (schema.has("maximum")) {
            value = Math.min(value, schema.get("maximum").asDouble());
        }
        if (schema.has("exclusiveMaximum") && schema.get("exclusiveMaximum").isNumber()) {
            value = Math.min(value, schema.get("exclusiveMaximum").asDouble() - 1);
        }
        return value;
    }

    private static String string(JsonNode schema) {
        String text = switch (schema.path("format").asText()) {
            case "date" -> "2026-01-01";
            case "date-time" -> "2026-01-01T00:00:00Z";
            case "time" -> "00:00:00Z";
            case "email" -> "demo@example.com";
            case "uri", "url" -> "https://example.com/";
            case "uuid" -> "00000000-0000-4000-8000-000000000000";
            default -> "demo";
        };
        int min = schema.path("minLength").asInt(0);
        StringBuilder padded = new StringBuilder(text);
        while (padded.length() < min) {
            padded.append('o');
        }
        int max = schema.path("maxLength").asInt(Integer.MAX_VALUE);
        return padded.length() > max ? padded.substring(0, max) : padded.toString();
    }
}
