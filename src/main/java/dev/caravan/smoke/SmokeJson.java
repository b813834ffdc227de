package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.json.JsonSchemas;
import java.io.IOException;

/** How the checks read what the gateway answered. */
final class SmokeJson {

    private SmokeJson() {
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static JsonNode jsonOrNull(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    /** What is wrong with the text as an instance of the schema; {@code null} when it is one. */
    static String schemaProblem(JsonNode schema, String text) {
        JsonNode instance = text == null ? null : jsonOrNull(text);
        if (instance == null) {
            return "do not parse as JSON: " + (text == null ? "null"
                    : text.length() > 120 ? text.substring(0, 120) + "…" : text);
        }
        String problem = JsonSchemas.problem(schema, instance);
        return problem == null ? null : "do not fit the schema: " + problem;
    }
}
