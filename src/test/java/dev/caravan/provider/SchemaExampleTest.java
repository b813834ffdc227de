package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.caravan.json.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The demo's answers are valid by construction: every example fits the schema it was built from. */
class SchemaExampleTest {

    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\","
                + "\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"city\",\"unit\"],\"additionalProperties\":false}",
        "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":10,\"maximum\":20},"
                + "\"x\":{\"type\":\"number\",\"exclusiveMaximum\":1},\"ok\":{\"type\":\"boolean\"}},"
                + "\"required\":[\"n\",\"x\",\"ok\"]}",
        "{\"type\":\"array\",\"minItems\":3,\"items\":{\"type\":\"string\",\"minLength\":8,\"format\":\"email\"}}",
        "{\"$defs\":{\"point\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"}},\"required\":[\"x\"]}},"
                + "\"type\":\"object\",\"properties\":{\"at\":{\"$ref\":\"#/$defs/point\"},"
                + "\"when\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}},\"required\":[\"at\",\"when\"]}",
        "{\"anyOf\":[{\"type\":\"object\",\"properties\":{\"kind\":{\"const\":\"a\"}},\"required\":[\"kind\"]},"
                + "{\"type\":\"string\"}]}",
        "{\"type\":\"object\",\"required\":[\"undeclared\"]}"})
    void examplesFitTheirSchemas(String schemaText) throws Exception {
        JsonNode schema = Json.MAPPER.readTree(schemaText);

        JsonNode example = SchemaExample.of(schema);

        assertThat(SCHEMAS.getSchema(schema).validate(example)).as(example.toString()).isEmpty();
    }
}
