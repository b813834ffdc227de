package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The requests coding agents make, on a route, through the gateway's own front doors: Codex CLI's (a streamed
 * Responses API call with function tools, then the call's output) and Claude Code's (a streamed Anthropic
 * Messages call with tools, then the tool result). Each passes when the protocol's events come in the order
 * its clients parse, the call fits the tool's schema, usage is reported and the tool's result is answered.
 */
final class AgentProtocolChecks {

    static final JsonNode WEATHER_PARAMETERS = SmokeJson.json("""
            {"type":"object","properties":{"city":{"type":"string"},
             "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"],
             "additionalProperties":false}""");
    private static final String ASK = "What is the weather in Paris, in celsius? Use the get_weather tool.";
    private static final String TOOL_RESULT = "{\"city\":\"Paris\",\"temperature\":18,\"unit\":\"celsius\"}";

    /** What a check saw: the problem ({@code null} when it passed), usage of its calls in chat's fields. */
    record Seen(String problem, String detail, String body, List<JsonNode> usage, Long ttftMillis) {
    }

    /** One server-sent event: its {@code event:} name (or {@code null}) and its data as JSON. */
    private record Event(String name, JsonNode data) {
    }

    private final HttpClient http;
    private final URI base;
    private final String key;
    private final Duration timeout;

    AgentProtocolChecks(SmokeSession session) {
        this.http = session.http();
        this.base = session.base();
        this.key = session.key();
        this.timeout = session.timeout();
    }

    /** Codex CLI's way: {@code POST /v1/responses}, streamed, then the function call's output. */
    Seen responses(String model, String provider) throws IOException, InterruptedException {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", model).put("stream", true).put("store", false)
                .put("instructions", "You are a coding agent.");
        ArrayNode input = body.putArray("input");
        input.addObject().put("type", "message").put("role", "user").putArray("content").addObject()
                .put("type", "input_text").put("text", ASK);
        ArrayNode tools = body.putArray("tools");
        tools.addObject().put("type", "function").put("name", "get_weather")
                .put("description", "The current weather in a city.").put("strict", false)
                .set("parameters", WEATHER_PARAMETERS);
        tools.addObject().put("type", "web_search"); // built in: dropped by the gateway
        body.putObject("tool_choice").put("type", "function").put("name", "get_weather");
        List<JsonNode> usage = new ArrayList<>();
        Streamed streamed = stream("/v1/responses", body, "Authorization", "Bearer " + key);
        if (streamed.problem != null) {
            return new Seen(streamed.problem, null, streamed.raw, usage, null);
        }
        List<Event> events = streamed.events;
        String order = inOrder(events.stream().map(e -> e.data().path("type").asText()).toList(),
                "response.created", "response.output_item.added", "response.function_call_arguments.done",
                "response.output_item.done", "response.completed");
        long previous = -1;
        for (Event e : events) {
            long sequence = e.data().path("sequence_number").asLong(-1);
            if (sequence <= previous) {
                return new Seen("sequence_number does not increase at " + e.data().path("type").asText(), null,
                        streamed.raw, usage, streamed.ttft);
            }
            previous = sequence;
        }
        if (order != null) {
            return new Seen(order, null, streamed.raw, usage, streamed.ttft);
        }
        JsonNode completed = events.get(events.size() - 1).data().path("response");
        usage.add(chatUsage(completed.path("usage").path("input_tokens"), completed.path("usage").path("output_tokens")));
        JsonNode call = null;
        for (JsonNode item : completed.path("output")) {
            if ("function_call".equals(item.path("type").asText())) {
                call = item;
            }
        }
        if (call == null || !"get_weather".equals(call.path("name").asText())) {
            return new Seen("response.completed has no function_call of get_weather", null, streamed.raw, usage,
                    streamed.ttft);
        }
        String invalid = SmokeJson.schemaProblem(WEATHER_PARAMETERS, call.path("arguments").asText());
        if (invalid != null) {
            return new Seen("the call's arguments " + invalid, null, streamed.raw, usage, streamed.ttft);
        }
        if (completed.path("usage").path("input_tokens").asLong() <= 0) {
            return new Seen("response.completed has no usage", null, streamed.raw, usage, streamed.ttft);
        }
        body.put("stream", false).remove("tool_choice");
        input.add(call);
        input.addObject().put("type", "function_call_output").put("call_id", call.path("call_id").asText())
                .put("output", TOOL_RESULT);
        return resultTurn("the function_call_output turn", post("/v1/responses", body, "Authorization",
                "Bearer " + key), answer -> answer.path("output").findValues("content").stream()
                        .flatMap(content -> StreamSupport.stream(content.spliterator(), false))
                        .filter(part -> "output_text".equals(part.path("type").asText())), provider,
                "called get_weather(" + call.path("arguments").asText() + ") in " + events.size()
                        + " events and answered its output", usage, streamed.ttft);
    }

    /** Claude Code's way: {@code POST /v1/messages} with {@code x-api-key}, streamed, then the tool result. */
    Seen messages(String model, String provider) throws IOException, InterruptedException {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", model).put("max_tokens", 512)
                .put("stream", true);
        body.putArray("system").addObject().put("type", "text").put("text", "You are a coding agent.")
                .putObject("cache_control").put("type", "ephemeral");
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "user").putArray("content").addObject().put("type", "text").put("text", ASK);
        body.putArray("tools").addObject().put("name", "get_weather")
                .put("description", "The current weather in a city.").set("input_schema", WEATHER_PARAMETERS);
        body.putObject("tool_choice").put("type", "tool").put("name", "get_weather");
        List<JsonNode> usage = new ArrayList<>();
        Streamed streamed = stream("/v1/messages?beta=true", body, "x-api-key", key);
        if (streamed.problem != null) {
            return new Seen(streamed.problem, null, streamed.raw, usage, null);
        }
        List<Event> events = streamed.events;
        List<String> names = events.stream().filter(e -> !"ping".equals(e.name())).map(Event::name).toList();
        String order = inOrder(names, "message_start", "content_block_start", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop");
        if (order == null && !names.get(names.size() - 1).equals("message_stop")) {
            order = "the stream did not end with message_stop";
        }
        if (order == null) {
            order = events.stream().filter(e -> e.name() != null && !e.name().equals(e.data().path("type").asText()))
                    .findFirst().map(e -> "event " + e.name() + " carries type " + e.data().path("type")).orElse(null);
        }
        if (order != null) {
            return new Seen(order, null, streamed.raw, usage, streamed.ttft);
        }
        String toolName = null;
        String toolId = null;
        int toolIndex = -1;
        StringBuilder arguments = new StringBuilder();
        String stopReason = null;
        long inputTokens = 0;
        long outputTokens = 0;
        for (Event e : events) {
            JsonNode data = e.data();
            switch (data.path("type").asText()) {
                case "message_start" -> inputTokens = data.path("message").path("usage").path("input_tokens").asLong();
                case "content_block_start" -> {
                    if ("tool_use".equals(data.path("content_block").path("type").asText())) {
                        toolName = data.path("content_block").path("name").asText();
                        toolId = data.path("content_block").path("id").asText();
                        toolIndex = data.path("index").asInt();
                    }
                }
                case "content_block_delta" -> {
                    if (data.path("index").asInt() == toolIndex) {
                        arguments.append(data.path("delta").path("partial_json").asText());
                    }
                }
                case "message_delta" -> {
                    stopReason = data.path("delta").path("stop_reason").asText(null);
                    outputTokens = data.path("usage").path("output_tokens").asLong();
                    inputTokens = Math.max(inputTokens, data.path("usage").path("input_tokens").asLong());
                }
                default -> {
                }
            }
        }
        usage.add(chatUsage(Json.MAPPER.getNodeFactory().numberNode(inputTokens),
                Json.MAPPER.getNodeFactory().numberNode(outputTokens)));
        if (!"get_weather".equals(toolName)) {
            return new Seen("no tool_use block of get_weather", null, streamed.raw, usage, streamed.ttft);
        }
        String invalid = SmokeJson.schemaProblem(WEATHER_PARAMETERS, arguments.toString());
        String problem = invalid != null ? "the tool_use input " + invalid
                : !"tool_use".equals(stopReason) ? "stop_reason is " + stopReason + ", not tool_use"
                : outputTokens <= 0 ? "message_delta has no output_tokens" : null;
        if (problem != null) {
            return new Seen(problem, null, streamed.raw, usage, streamed.ttft);
        }
        body.put("stream", false).remove("tool_choice");
        ArrayNode assistant = messages.addObject().put("role", "assistant").putArray("content");
        assistant.addObject().put("type", "tool_use").put("id", toolId).put("name", toolName)
                .set("input", SmokeJson.json(arguments.toString()));
        messages.addObject().put("role", "user").putArray("content").addObject().put("type", "tool_result")
                .put("tool_use_id", toolId).put("content", TOOL_RESULT);
        return resultTurn("the tool_result turn", post("/v1/messages", body, "x-api-key", key),
                answer -> StreamSupport.stream(answer.path("content").spliterator(), false)
                        .filter(block -> "text".equals(block.path("type").asText())), provider,
                "called get_weather(" + arguments + ") in " + events.size() + " events and answered its result",
                usage, streamed.ttft);
    }

    /**
     * The turn that carries the tool's result, not streamed: it passes when the route's own provider answers
     * it with text (the parts {@code texts} picks from the answer).
     */
    private Seen resultTurn(String turn, HttpRequest request, Function<JsonNode, Stream<JsonNode>> texts,
                            String provider, String detail, List<JsonNode> usage, Long ttft)
            throws IOException, InterruptedException {
        HttpResponse<String> result = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode answer = SmokeJson.jsonOrNull(result.body());
        boolean answered = false;
        if (answer != null) {
            usage.add(chatUsage(answer.path("usage").path("input_tokens"), answer.path("usage").path("output_tokens")));
            answered = texts.apply(answer).anyMatch(part -> !part.path("text").asText().isBlank());
        }
        String problem = result.statusCode() != 200 ? turn + ": HTTP " + result.statusCode()
                : !provider.equals(result.headers().firstValue("x-caravan-provider").orElse(null))
                        ? turn + " was answered by another provider"
                : !answered ? turn + " has no text" : null;
        return new Seen(problem, detail, problem == null ? null : result.body(), usage, ttft);
    }

    /** A stream read whole: its events, or why it is not one. */
    private record Streamed(List<Event> events, String raw, String problem, Long ttft) {
    }

    private Streamed stream(String path, JsonNode body, String authHeader, String authValue)
            throws IOException, InterruptedException {
        long started = System.nanoTime();
        HttpResponse<InputStream> response = http.send(post(path, body, authHeader, authValue),
                HttpResponse.BodyHandlers.ofInputStream());
        EventStreamRead read = EventStreamRead.of(response.body());
        List<Event> events = new ArrayList<>();
        Long ttft = null;
        for (EventStreamRead.Event e : read.events()) {
            JsonNode data = SmokeJson.jsonOrNull(e.data());
            if (data == null) {
                return new Streamed(events, read.raw(), "an event's data is not JSON", ttft);
            }
            ttft = ttft == null ? (e.arrivedNanos() - started) / 1_000_000 : ttft;
            events.add(new Event(e.name(), data));
        }
        String provider = response.headers().firstValue("x-caravan-provider").orElse("");
        String problem = response.statusCode() != 200 ? "HTTP " + response.statusCode()
                : !response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")
                        ? "not an event stream" : events.isEmpty() ? "no events" : null;
        for (Event e : events) {
            if ("error".equals(e.name()) || e.data().path("type").asText().equals("response.failed")
                    || e.data().path("type").asText().equals("error")) {
                problem = "the stream ended with an error: " + e.data();
            }
        }
        return new Streamed(events, read.raw(), problem == null && provider.isEmpty() ? "no x-caravan-provider"
                : problem, ttft);
    }

    /** Whether the names appear in this order (others between them allowed); what is missing, or {@code null}. */
    private static String inOrder(List<String> names, String... expected) {
        int at = 0;
        for (String want : expected) {
            int found = names.subList(at, names.size()).indexOf(want);
            if (found < 0) {
                return "no " + want + (at > 0 ? " after " + names.get(at - 1) : "") + " in " + names;
            }
            at += found + 1;
        }
        return names.get(0).equals(expected[0]) ? null : "the stream starts with " + names.get(0) + ", not "
                + expected[0];
    }

    private static JsonNode chatUsage(JsonNode input, JsonNode output) {
        return Json.MAPPER.createObjectNode().put("prompt_tokens", input.asLong())
                .put("completion_tokens", output.asLong());
    }

    private HttpRequest post(String path, JsonNode body, String authHeader, String authValue) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header(authHeader, authValue).header("Content-Type", "application/json");
        if (path.startsWith("/v1/messages")) {
            request.header("anthropic-version", "2023-06-01"); // as Claude Code sends it
        }
        return request.POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }
}
