package dev.caravan.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.Set;

/**
 * JSON Schema (2020-12) checks of JSON values, as requests declare them ({@code response_format.json_schema},
 * a tool's {@code parameters}): the gateway's answer validation and the smoke suite judge the same way, and so do
 * the checks of a provider block against its kamelet's parameter definitions.
 */
public final class JsonSchemas {

    /** Kamelet definitions mark secrets with {@code x-descriptors}, which no validation needs. */
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.builder(
                    JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012))
            .metaSchema(JsonMetaSchema.builder(JsonMetaSchema.getV202012())
                    .keyword(new NonValidationKeyword("x-descriptors")).build())
            .build();

    private JsonSchemas() {
    }

    /** The first thing wrong with the value as an instance of the schema; {@code null} when it is one. */
    public static String problem(JsonNode schema, JsonNode value) {
        Set<ValidationMessage> errors = SCHEMAS.getSchema(schema).validate(value);
        return errors.isEmpty() ? null : errors.iterator().next().getMessage();
    }
}
