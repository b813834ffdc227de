package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.auth.ApiKeys;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.Json;
import dev.caravan.openai.JsonSchemas;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.openai.Usage;
import dev.caravan.pricing.PriceBook;
import dev.caravan.provider.LlmComponent;
import dev.caravan.provider.UpstreamException;
import dev.caravan.request.ClientRequest;
import dev.caravan.request.GatewayKey;
import dev.caravan.routing.ModelCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Runs the smoke suite ({@link Check}) on model routes through the gateway's own routes: HTTP calls to its
 * own port with its own key, as a client makes them (the error check goes to the routes directly, to see
 * the provider's own error body). Each route is named {@code <provider>/<upstream model>}, so aliases and
 * fallback chains cannot hide which provider answered.
 */
@Component("smokeRunner")
public class SmokeRunner {

    private static final String CHAT = "/v1/chat/completions";
    private static final JsonNode WEATHER_TOOL = json("""
            {"type":"function","function":{"name":"get_weather","description":"The current weather in a city.",
             "parameters":{"type":"object","properties":{"city":{"type":"string"},
             "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"],
             "additionalProperties":false}}}""");
    private static final JsonNode CITY_SCHEMA = json("""
            {"type":"object","properties":{"city":{"type":"string"},"country":{"type":"string"},
             "population":{"type":"integer"}},"required":["city","country","population"],"additionalProperties":false}""");

    private final ModelCatalog catalog;
    private final LlmComponent llm;
    private final PriceBook prices;
    private final ProducerTemplate routes;
    private final SmokeProperties properties;
    private final String key;
    private final URI base;
    /** Made at the first run: a client starts a selector thread, which a gateway that never runs the suite spares. */
    private HttpClient http;
    private AgentProtocolChecks agents;

    SmokeRunner(ModelCatalog catalog, LlmComponent llm, PriceBook prices, ProducerTemplate routes,
                SmokeProperties properties, ApiKeys keys, @Value("${caravan.host:0.0.0.0}") String host,
                @Value("${caravan.port:8080}") int port) {
        this.catalog = catalog;
        this.llm = llm;
        this.prices = prices;
        this.routes = routes;
        this.properties = properties;
        this.key = keys.smokeKey();
        boolean anyAddress = host.equals("0.0.0.0") || host.equals("::") || host.isBlank();
        this.base = URI.create("http://" + (anyAddress ? "127.0.0.1" : host) + ":" + port);
    }

    /** A model route under test. */
    record Target(String name, String provider, String upstreamModel, boolean languageModel) {
    }

    /**
     * The routes of these model names (aliases, listed names or {@code <provider>/<model>}), or of every
     * listed model when none is given, each once.
     */
    List<Target> targets(List<String> models) {
        Map<String, Target> targets = new LinkedHashMap<>();
        List<String> names = models.isEmpty() ? catalog.list().stream().map(ModelCatalog.Listed::id).toList() : models;
        for (String name : names) {
            ModelCatalog.Route route = catalog.resolve(name.strip()).orElseThrow(() -> new IllegalArgumentException(
                    "No routable model '" + name.strip() + "' (see GET /v1/models)"));
            targets.putIfAbsent(route.canonicalName(), new Target(route.canonicalName(), route.provider(),
                    route.upstreamModel(), llm.isLanguageModel(route.provider())));
        }
        return List.copyOf(targets.values());
    }

    /** Runs every check on every target, telling {@code progress} what runs now. */
    public SmokeReport run(List<String> models, Consumer<String> progress) {
        List<Target> targets = targets(models);
        synchronized (this) {
            if (http == null) {
                http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                agents = new AgentProtocolChecks(http, base, key, properties.timeout(), SmokeRunner::schemaProblem);
            }
        }
        Random random = new Random();
        List<SmokeReport.RouteResult> results = new ArrayList<>();
        int done = 0;
        int total = targets.size() * Check.values().length;
        for (Target target : targets) {
            List<CheckResult> checks = new ArrayList<>();
            for (Check check : Check.values()) {
                progress.accept(String.format("[%d/%d] %s %s", ++done, total, target.name(), check.id()));
                checks.add(target.languageModel() || !check.needsLanguageModel() ? run(check, target, random)
                        : CheckResult.notApplicable(check, "the demo provider is not a language model"));
            }
            results.add(new SmokeReport.RouteResult(target.name(), target.provider(), target.upstreamModel(), checks));
        }
        return new SmokeReport(results, properties.required().stream().map(Check::of).toList(),
                prices.reportCurrency());
    }

    private CheckResult run(Check check, Target target, Random random) {
        try {
            return switch (check) {
                case CHAT -> chat(target);
                case STREAM -> stream(target);
                case TOOLS -> tools(target);
                case JSON -> jsonModes(target);
                case ERRORS -> errors(target);
                case LONG_CONTEXT -> longContext(target);
                case REPO_READ -> codingTask(check, target, CodingTasks.RepoRead.draw(random));
                case EDIT -> codingTask(check, target, CodingTasks.Edit.draw(random));
                case RESPONSES -> agentProtocol(check, target);
                case MESSAGES -> agentProtocol(check, target);
            };
        } catch (IOException | RuntimeException e) {
            return new Tally(check, target).fail("the check could not run: " + e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Tally(check, target).fail("interrupted", null);
        }
    }

    private CheckResult chat(Target target) throws IOException, InterruptedException {
        Tally tally = new Tally(Check.CHAT, target);
        Answer answer = tally.send(request(target, "Say hello in one short sentence.").put("max_tokens", 64));
        return answer.problem() != null ? tally.fail(answer.problem(), answer.body)
                : blank(answer.content()) ? tally.fail("the answer has no content", answer.body)
                : tally.pass("answered " + answer.usage());
    }

    private CheckResult stream(Target target) throws IOException, InterruptedException {
        Tally tally = new Tally(Check.STREAM, target);
        ObjectNode body = request(target, "Count from one to five, in words.").put("max_tokens", 64).put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        long started = System.nanoTime();
        HttpResponse<InputStream> response = http.send(post(body), HttpResponse.BodyHandlers.ofInputStream());
        EventStreamRead read = EventStreamRead.of(response.body());
        Long ttft = null;
        int contentChunks = 0;
        boolean done = false;
        JsonNode usage = null;
        String error = null;
        for (EventStreamRead.Event e : read.events()) {
            if (e.data().equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode event = json(e.data());
            if (event.has("error")) {
                error = event.get("error").toString();
            }
            if (!blank(event.path("choices").path(0).path("delta").path("content").asText(null))) {
                contentChunks++;
                ttft = ttft == null ? (e.arrivedNanos() - started) / 1_000_000 : ttft;
            }
            if (event.path("usage").isObject()) {
                usage = event.get("usage");
            }
        }
        tally.record(started, usage, target);
        String provider = response.headers().firstValue("x-caravan-provider").orElse(null);
        String problem = response.statusCode() != 200 ? "HTTP " + response.statusCode()
                : !target.provider().equals(provider)
                        ? "answered by provider '" + provider + "', not '" + target.provider() + "'"
                : !response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")
                        ? "not an event stream"
                : error != null ? "the stream ended with an error: " + error
                : contentChunks < 2 ? "the content came in " + contentChunks + " chunk(s), not incrementally"
                : usage == null ? "no usage in the stream (stream_options.include_usage was set)"
                : !done ? "the stream did not end with [DONE]" : null;
        tally.ttft = ttft;
        return problem != null ? tally.fail(problem, read.raw()) : tally.pass(contentChunks + " content chunks");
    }

    private CheckResult tools(Target target) throws IOException, InterruptedException {
        Tally tally = new Tally(Check.TOOLS, target);
        ObjectNode body = request(target, "What is the weather in Paris, in celsius? Use the get_weather tool.");
        body.putArray("tools").add(WEATHER_TOOL);
        body.putObject("tool_choice").put("type", "function").putObject("function").put("name", "get_weather");
        Answer answer = tally.send(body);
        if (answer.problem() != null) {
            return tally.fail(answer.problem(), answer.body);
        }
        JsonNode message = answer.json.path("choices").path(0).path("message");
        JsonNode call = message.path("tool_calls").path(0);
        if (!"get_weather".equals(call.path("function").path("name").asText())) {
            return tally.fail("no call of get_weather", answer.body);
        }
        String arguments = call.path("function").path("arguments").asText();
        String invalid = schemaProblem(WEATHER_TOOL.path("function").path("parameters"), arguments);
        if (invalid != null) {
            return tally.fail("the tool arguments " + invalid, answer.body);
        }
        ArrayNode messages = (ArrayNode) body.get("messages");
        messages.add(message);
        messages.addObject().put("role", "tool").put("tool_call_id", call.path("id").asText())
                .put("content", "{\"city\":\"Paris\",\"temperature\":18,\"unit\":\"celsius\",\"sky\":\"clear\"}");
        body.remove("tool_choice");
        Answer result = tally.send(body);
        return result.problem() != null ? tally.fail("the tool result: " + result.problem(), result.body)
                : blank(result.content()) ? tally.fail("the tool result was not answered with content", result.body)
                : tally.pass("called get_weather(" + arguments + ") and answered its result");
    }

    private CheckResult jsonModes(Target target) throws IOException, InterruptedException {
        Tally tally = new Tally(Check.JSON, target);
        ObjectNode object = request(target, "Give the city and country of the Eiffel Tower as a JSON object with "
                + "the keys city and country.");
        object.putObject("response_format").put("type", "json_object");
        Answer plain = tally.send(object);
        if (plain.problem() != null) {
            return tally.fail("json_object: " + plain.problem(), plain.body);
        }
        String objectProblem = schemaProblem(json("{\"type\":\"object\"}"), plain.content());
        if (objectProblem != null) {
            return tally.fail("json_object: the content " + objectProblem, plain.body);
        }
        ObjectNode schema = request(target, "Describe Paris: its city name, country and population.");
        schema.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                .put("name", "city").put("strict", true).set("schema", CITY_SCHEMA);
        Answer typed = tally.send(schema);
        if (typed.problem() != null) {
            return tally.fail("json_schema: " + typed.problem(), typed.body);
        }
        String schemaProblem = schemaProblem(CITY_SCHEMA, typed.content());
        return schemaProblem != null ? tally.fail("json_schema: the content " + schemaProblem, typed.body)
                : tally.pass("json_object and json_schema content valid");
    }

    /**
     * A request the gateway accepts but a provider must refuse ({@code temperature} 9), sent to the routes
     * directly: the provider's own error body must be an OpenAI error object.
     */
    private CheckResult errors(Target target) {
        Tally tally = new Tally(Check.ERRORS, target);
        ObjectNode body = request(target, "Hello").put("temperature", 9).put("max_tokens", 8);
        Exchange exchange = new DefaultExchange(routes.getCamelContext());
        ClientRequest.identify(exchange, ClientRequest.newId()).key(GatewayKey.unlimited(ApiKeys.SMOKE_KEY_NAME));
        ClientRequest.accept(exchange, OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS,
                body.toString().getBytes(StandardCharsets.UTF_8)));
        long started = System.nanoTime();
        Exception failure = routes.send("direct:route-by-model", exchange).getException();
        tally.record(started, null, target);
        if (failure == null) {
            return tally.fail("the provider accepted temperature 9", exchange.getMessage().getBody(String.class));
        }
        if (!(failure instanceof UpstreamException upstream)) {
            return tally.fail("the gateway failed: " + (failure instanceof GatewayException g
                    ? g.error().toJson() : failure.toString()), null);
        }
        String raw = upstream.providerBody();
        JsonNode parsed = raw == null ? null : jsonOrNull(raw);
        JsonNode error = parsed == null ? null : parsed.path("error");
        if (upstream.providerStatus() < 400 || upstream.providerStatus() >= 500) {
            return tally.fail("the provider answered HTTP " + upstream.providerStatus() + ", not a 4xx", raw);
        }
        return error == null || !error.isObject() || !error.path("message").isTextual()
                ? tally.fail("the provider's error is not an OpenAI error object {\"error\":{\"message\":…}}", raw)
                : tally.pass("HTTP " + upstream.providerStatus() + " " + error.path("message").asText());
    }

    private CheckResult longContext(Target target) throws IOException, InterruptedException {
        Tally tally = new Tally(Check.LONG_CONTEXT, target);
        int tokens = properties.longContextTokens();
        StringBuilder prompt = new StringBuilder("Below is a log. Reply with the number of its last line only.\n");
        // about ten tokens a line
        for (int line = 1; line * 10 < tokens; line++) {
            prompt.append(String.format("%06d the quick brown fox jumps over the lazy dog%n", line));
        }
        Answer answer = tally.send(request(target, prompt.toString()).put("max_tokens", 16));
        if (answer.problem() != null) {
            return tally.fail(answer.problem(), answer.body);
        }
        long received = answer.json.path("usage").path("prompt_tokens").asLong();
        return received < tokens / 2 ? tally.fail("the provider counted " + received + " prompt tokens of about "
                + tokens + ": the prompt was cut", answer.body) : tally.pass(received + " prompt tokens");
    }

    /** A coding agent's requests, in its own protocol, through the front door that speaks it. */
    private CheckResult agentProtocol(Check check, Target target) throws IOException, InterruptedException {
        Tally tally = new Tally(check, target);
        long started = System.nanoTime();
        AgentProtocolChecks.Seen seen = check == Check.RESPONSES ? agents.responses(target.name(), target.provider())
                : agents.messages(target.name(), target.provider());
        seen.usage().forEach(usage -> tally.record(started, usage, target));
        tally.millis = (System.nanoTime() - started) / 1_000_000;
        tally.ttft = seen.ttftMillis();
        return seen.problem() != null ? tally.fail(seen.problem(), seen.body()) : tally.pass(seen.detail());
    }

    /** A task whose answer code checks: the model's content must solve it. */
    private CheckResult codingTask(Check check, Target target, CodingTasks.Task task)
            throws IOException, InterruptedException {
        Tally tally = new Tally(check, target);
        Answer answer = tally.send(request(target, task.prompt()).put("max_tokens", task.maxTokens()));
        if (answer.problem() != null) {
            return tally.fail(answer.problem(), answer.body);
        }
        String problem = task.problem(String.valueOf(answer.content()));
        return problem != null ? tally.fail(problem, answer.body) : tally.pass(task.solved());
    }

    private static ObjectNode request(Target target, String prompt) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", target.name());
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body;
    }

    private HttpRequest post(JsonNode body) {
        return HttpRequest.newBuilder(base.resolve(CHAT)).timeout(properties.timeout())
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    /** What is wrong with the text as an instance of the schema; {@code null} when it is one. */
    private static String schemaProblem(JsonNode schema, String text) {
        JsonNode instance = text == null ? null : jsonOrNull(text);
        if (instance == null) {
            return "do not parse as JSON: " + abbreviate(text);
        }
        String problem = JsonSchemas.problem(schema, instance);
        return problem == null ? null : "do not fit the schema: " + problem;
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

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    private static String abbreviate(String text) {
        return text == null ? "null" : text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }

    /** A non-streamed answer as the check reads it. */
    private record Answer(int status, String body, JsonNode json, String provider, String expectedProvider) {

        /** Why the answer is not a usable completion from the route's own provider; {@code null} if it is. */
        String problem() {
            if (status != 200) {
                return "HTTP " + status;
            }
            if (json == null || !json.path("choices").isArray()) {
                return "the answer is not a chat completion";
            }
            if (!expectedProvider.equals(provider)) {
                return "answered by provider '" + provider + "', not '" + expectedProvider + "'";
            }
            JsonNode usage = json.path("usage");
            return usage.path("prompt_tokens").asLong() > 0 ? null : "no usage in the answer";
        }

        String content() {
            JsonNode content = json.path("choices").path(0).path("message").path("content");
            return content.isTextual() ? content.asText() : null;
        }

        String usage() {
            JsonNode usage = json.path("usage");
            return usage.path("prompt_tokens").asLong() + "+" + usage.path("completion_tokens").asLong() + " tokens";
        }
    }

    /** Latency, tokens and cost of a check's calls, summed, and its result. */
    private final class Tally {
        private final Check check;
        private final Target target;
        private long millis;
        private long promptTokens;
        private long completionTokens;
        private BigDecimal cost = BigDecimal.ZERO;
        private Long ttft;

        Tally(Check check, Target target) {
            this.check = check;
            this.target = target;
        }

        Answer send(JsonNode body) throws IOException, InterruptedException {
            long started = System.nanoTime();
            HttpResponse<String> response = http.send(post(body), HttpResponse.BodyHandlers.ofString());
            JsonNode json = jsonOrNull(response.body());
            record(started, json == null ? null : json.get("usage"), target);
            return new Answer(response.statusCode(), response.body(), json,
                    response.headers().firstValue("x-caravan-provider").orElse(null), target.provider());
        }

        void record(long startedNanos, JsonNode usage, Target target) {
            millis += (System.nanoTime() - startedNanos) / 1_000_000;
            if (usage != null && usage.isObject()) {
                Usage used = Usage.of(usage);
                promptTokens += used.promptTokens();
                completionTokens += used.completionTokens();
                Optional<BigDecimal> priced = prices.cost(target.provider(), target.upstreamModel(), used, Instant.now());
                cost = cost == null || priced.isEmpty() ? null : cost.add(priced.get());
            }
        }

        CheckResult pass(String detail) {
            return new CheckResult(check, CheckResult.Outcome.PASS, millis, ttft, promptTokens, completionTokens, cost,
                    detail, null);
        }

        CheckResult fail(String detail, String body) {
            return new CheckResult(check, CheckResult.Outcome.FAIL, millis, ttft, promptTokens, completionTokens, cost,
                    detail, body);
        }
    }
}
