package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** Tool call: arguments that parse and fit the tool's schema; the tool's result answered. */
final class ToolsCheck implements RouteCheck {

    private static final JsonNode WEATHER_TOOL = SmokeJson.json("""
            {"type":"function","function":{"name":"get_weather","description":"The current weather in a city.",
             "parameters":{"type":"object","properties":{"city":{"type":"string"},
             "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"],
             "additionalProperties":false}}}""");

    @Override
    public CheckResult run(SmokeRunner.Target target, Tally tally) throws IOException, InterruptedException {
        ObjectNode body = SmokeSession.request(target,
                "What is the weather in Paris, in celsius? Use the get_weather tool.");
        body.putArray("tools").add(WEATHER_TOOL);
        body.putObject("tool_choice").put("type", "function").putObject("function").put("name", "get_weather");
        ChatAnswer answer = tally.send(body);
        if (answer.problem() != null) {
            return tally.fail(answer.problem(), answer.body());
        }
        JsonNode message = answer.json().path("choices").path(0).path("message");
        JsonNode call = message.path("tool_calls").path(0);
        if (!"get_weather".equals(call.path("function").path("name").asText())) {
            return tally.fail("no call of get_weather", answer.body());
        }
        String arguments = call.path("function").path("arguments").asText();
        String invalid = SmokeJson.schemaProblem(WEATHER_TOOL.path("function").path("parameters"), arguments);
        if (invalid != null) {
            return tally.fail("the tool arguments " + invalid, answer.body());
        }
        ArrayNode messages = (ArrayNode) body.get("messages");
        messages.add(message);
        messages.addObject().put("role", "tool").put("tool_call_id", call.path("id").asText())
                .put("content", "{\"city\":\"Paris\",\"temperature\":18,\"unit\":\"celsius\",\"sky\":\"clear\"}");
        body.remove("tool_choice");
        ChatAnswer result = tally.send(body);
        return result.problem() != null ? tally.fail("the tool result: " + result.problem(), result.body())
                : SmokeJson.blank(result.content())
                        ? tally.fail("the tool result was not answered with content", result.body())
                : tally.pass("called get_weather(" + arguments + ") and answered its result");
    }
}
