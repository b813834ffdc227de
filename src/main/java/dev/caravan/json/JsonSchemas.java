package dev.caravan.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.Set;

/**
 * JSON Schema (2020-12) checks of JSON values, as requests declare them ({@code response_format.json_schema},
 * a tool's {@code parameters}): the gateway's answer validation and the smoke suite judge the same way.
 */
public final class JsonSchemas {

    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private JsonSchemas() {
    }

    /** The first thing wrong with the value as an instance of the schema; {@code null} when it is one. */
    public static String problem(JsonNode schema, JsonNode value) {
        Set<ValidationMessage> errors = SCHEMAS.getSchema(schema).validate(value);
        return errors.isEmpty() ? null : errors.iterator().next().getMessage();
    }
}
