package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** JSON mode and {@code json_schema}: content that parses and fits the schema. */
final class JsonModeCheck implements RouteCheck {

    private static final JsonNode ANY_OBJECT = SmokeJson.json("{\"type\":\"object\"}");
    private static final JsonNode CITY_SCHEMA = SmokeJson.json("""
            {"type":"object","properties":{"city":{"type":"string"},"country":{"type":"string"},
             "population":{"type":"integer"}},"required":["city","country","population"],
             "additionalProperties":false}""");

    @Override
    public CheckResult run(SmokeRunner.Target target, Tally tally) throws IOException, InterruptedException {
        ObjectNode object = SmokeSession.request(target, "Give the city and country of the Eiffel Tower as a JSON "
                + "object with the keys city and country.");
        object.putObject("response_format").put("type", "json_object");
        ChatAnswer plain = tally.send(object);
        if (plain.problem() != null) {
            return tally.fail("json_object: " + plain.problem(), plain.body());
        }
        String objectProblem = SmokeJson.schemaProblem(ANY_OBJECT, plain.content());
        if (objectProblem != null) {
            return tally.fail("json_object: the content " + objectProblem, plain.body());
        }
        ObjectNode schema = SmokeSession.request(target, "Describe Paris: its city name, country and population.");
        schema.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                .put("name", "city").put("strict", true).set("schema", CITY_SCHEMA);
        ChatAnswer typed = tally.send(schema);
        if (typed.problem() != null) {
            return tally.fail("json_schema: " + typed.problem(), typed.body());
        }
        String schemaProblem = SmokeJson.schemaProblem(CITY_SCHEMA, typed.content());
        return schemaProblem != null ? tally.fail("json_schema: the content " + schemaProblem, typed.body())
                : tally.pass("json_object and json_schema content valid");
    }
}
