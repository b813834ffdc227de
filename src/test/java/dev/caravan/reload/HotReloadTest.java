package dev.caravan.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Hot reload of a gateway serving from its own copy of routes/ and application.yaml, under steady load:
 * good edits take effect within seconds and bad ones are rejected with file, line and reason, and no request
 * fails during either.
 */
@ExtendWith(OutputCaptureExtension.class)
class HotReloadTest {

    private static final FakeProviders UPSTREAM = new FakeProviders();
    private static final String CHAT = "/v1/chat/completions";

    @TempDir
    static Path dir;
    private static GatewayInstance gateway;
    private static Path providers;
    private static Path api;
    private static Path config;
    private static String providersOriginal;
    private static String apiOriginal;
    private static String configOriginal;

    private final Load load = new Load();

    @BeforeAll
    static void start() throws IOException {
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        config = Files.copy(Path.of("application.yaml"), dir.resolve("application.yaml"));
        providers = routes.resolve("providers.camel.yaml");
        api = routes.resolve("api.camel.yaml");
        providersOriginal = Files.readString(providers);
        apiOriginal = Files.readString(api);
        configOriginal = Files.readString(config);
        gateway = GatewayInstance.start(UPSTREAM, Map.of(
                "spring.config.location", "file:" + config,
                "camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "caravan.reload.interval", "100ms",
                "caravan.ledger.spool-dir", dir.resolve("spool").toString(),
                "spring.datasource.url", "jdbc:h2:mem:reload;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        UPSTREAM.stop();
    }

    @BeforeEach
    void startLoad() {
        UPSTREAM.reset();
        load.start();
    }

    @AfterEach
    void restore() throws Exception {
        load.reset(); // a model about to go would fail its requests, rightly
        Thread.sleep(200);
        write(providers, providersOriginal);
        write(api, apiOriginal);
        write(config, configOriginal);
        awaitRoutes(HotReloadTest::servesOriginals);
        load.stop();
        assertThat(load.failures).as("requests that failed during the edits").isEmpty();
        assertThat(load.served.get()).as("requests served during the edits").isGreaterThan(20);
    }

    @Test
    void goodEditsTakeEffectWithinSecondsWithoutFailingARequest() throws Exception {
        // the routes' direct: hops look up their consumer each time: a route just replaced is never missed
        assertThat(gateway.bean(CamelContext.class).getComponent("direct")).isInstanceOf(SwapSafeDirectComponent.class);
        write(providers, (providersOriginal + """

                - templatedRoute:
                    routeTemplateRef: provider
                    routeId: provider-extra
                    parameters:
                      - name: id
                        value: extra
                      - name: baseUrl
                        value: "{{FAKE_UPSTREAM}}/extra"
                      - name: apiKey
                        value: sk-extra
                      - name: models
                        value: extra-model
                """).replace("deepseek-flash,deepseek-v4-pro", "deepseek-flash,deepseek-v4-pro,deepseek-next"));
        JsonNode routes = awaitRoutes(body -> version(body, "providers.camel.yaml") == 2);
        assertThat(routes.path("last_reload").path("message").asText())
                .contains("routes replaced [provider-deepseek]", "added [provider-extra]");
        assertThat(models()).contains("extra-model", "deepseek-next");
        load.add("extra-model", "deepseek-next");
        assertThat(UPSTREAM.received("extra")).isEmpty();
        assertThat(chat("extra-model").statusCode()).isEqualTo(200);
        assertThat(UPSTREAM.last("extra").header("Authorization")).isEqualTo("Bearer sk-extra");

        // an alias, a price and a key, in application.yaml
        write(config, configOriginal
                .replace("    coder: qwen/qwen3.8-max\n", "    coder: qwen/qwen3.8-max\n    quick: extra/extra-model\n")
                .replace("  prices:\n", "  prices:\n    extra:\n      extra-model: {input: 1000, output: 1000, as-of: test}\n")
                .replace("  # keys:\n", "  keys:\n    - name: reloaded\n      key: sk-reloaded-key\n      models: [quick]\n"));
        routes = awaitRoutes(body -> version(body, "application.yaml") == 2);
        assertThat(routes.path("last_reload").path("message").asText())
                .contains("settings changed [caravan.aliases.quick, caravan.keys[0].key").doesNotContain("sk-reloaded-key");
        load.add("quick");
        HttpResponse<String> quick = GatewayTest.CLIENT.send(gateway.post(CHAT, body("quick"), "sk-reloaded-key"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(quick.statusCode()).as(quick.body()).isEqualTo(200);
        assertThat(quick.headers().firstValue("x-caravan-provider")).hasValue("extra");
        assertThat(chatAs("sk-reloaded-key", "demo").statusCode()).as("a model the new key may not use").isEqualTo(404);

        // the front door itself: its dispatch route is replaced while requests keep coming
        assertThat(apiOriginal).contains("Every HTTP request: the key its path needs");
        write(api, apiOriginal.replace("Every HTTP request: the key its path needs",
                "Every HTTP request (edited): the key its path needs"));
        routes = awaitRoutes(body -> version(body, "api.camel.yaml") == 2);
        assertThat(routes.path("last_reload").path("message").asText()).contains("routes replaced [front-door]");

        // a provider taken out: not while an alias names it; then its models are gone, the rest serve on
        load.remove("extra-model", "quick", "deepseek-next");
        Thread.sleep(200);
        write(providers, providersOriginal);
        routes = awaitRoutes(body -> body.path("last_reload").path("outcome").asText().equals("rejected"));
        assertThat(routes.path("last_reload").path("message").asText())
                .startsWith("caravan.aliases.quick: 'extra/extra-model' is no model a provider lists");
        write(config, configOriginal);
        awaitRoutes(body -> version(body, "application.yaml") == 3);
        routes = awaitRoutes(body -> version(body, "providers.camel.yaml") == 3);
        assertThat(routes.path("last_reload").path("message").asText()).contains("removed [provider-extra]");
        assertThat(models()).doesNotContain("extra-model", "deepseek-next");
    }

    @Test
    void aValueTheRoutesReadReplacesTheRoutesReadingItAndOneReadAtStartUpWaitsForARestart(CapturedOutput output)
            throws Exception {
        String edited = configOriginal.replace("retry-max-delay: 10000", "retry-max-delay: 9000")
                .replace("  port: 8080", "  port: 8081");
        write(config, edited);
        JsonNode routes = awaitRoutes(body -> sha256(body, "application.yaml").equals(sha256(edited)));
        String message = routes.path("last_reload").path("message").asText();
        // every provider reads caravan.retry-max-delay in its template's defaults; nothing else does
        assertThat(message).contains("provider-demo", "provider-deepseek", "provider-openrouter")
                .doesNotContain("front-door", "route-by-model");
        assertThat(output.getAll()).contains("Edited values that apply at the next restart, not now: [caravan.port]");
        assertThat(chat("deepseek-flash").statusCode()).isEqualTo(200);
    }

    @Test
    void aRouteRenamedKeepsItsEndpointUnderLoad() throws Exception {
        String edited = apiOriginal.replace("    id: route-by-model\n", "    id: route-by-chosen-model\n");
        write(api, edited);
        JsonNode routes = awaitRoutes(body -> sha256(body, "api.camel.yaml").equals(sha256(edited)));
        // the old one goes before the new one starts: both consume direct:route-by-model
        assertThat(routes.path("last_reload").path("message").asText())
                .contains("added [route-by-chosen-model], removed [route-by-model]");
        assertThat(chat("deepseek-flash").statusCode()).isEqualTo(200);
    }

    @Test
    void anEditOfTheHttpListenerWaitsForARestartAndThePortStaysOpen(CapturedOutput output) throws Exception {
        Path errors = api.resolveSibling("errors.camel.yaml");
        String original = Files.readString(errors);
        String edited = original.replaceFirst("description: >-", "description: >-\n      (edited)");
        try {
            write(errors, edited);
            JsonNode routes = awaitRoutes(body -> sha256(body, "errors.camel.yaml").equals(sha256(edited)));
            // the listener's error handling changed: the listener stays as it is, the rest is applied
            assertThat(routes.path("last_reload").path("message").asText()).contains("kept until a restart [http-in]");
            assertThat(output.getAll()).contains("Route 'http-in' listens for HTTP: its edit");
            assertThat(chat("demo").statusCode()).isEqualTo(200);
        } finally {
            write(errors, original);
            awaitRoutes(body -> sha256(body, "errors.camel.yaml").equals(sha256(original)));
        }
    }

    @Test
    void aFileThatIsNotTextIsRejectedOnceNamingItUntilItChanges(CapturedOutput output) throws Exception {
        Path binary = api.resolveSibling("binary.camel.yaml");
        int logged = rejections(output);
        try {
            write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, (byte) 0xc3});
            JsonNode routes = awaitRoutes(body -> body.path("last_reload").path("outcome").asText().equals("rejected")
                    && body.path("last_reload").path("where").asText().endsWith("binary.camel.yaml"));
            assertThat(routes.path("last_reload").path("message").asText()).isEqualTo("is not UTF-8 text (a binary file?)");
            Thread.sleep(500); // five more polls: logged once
            assertThat(rejections(output)).isEqualTo(logged + 1);
            assertThat(output.getAll().lines().filter(l -> l.contains("Reload rejected")).reduce((a, b) -> b).orElseThrow())
                    .contains("binary.camel.yaml: is not UTF-8 text");
            assertThat(output.getAll()).doesNotContain("Input length").doesNotContain("cannot read the files");

            write(binary, new byte[] {(byte) 0xff, 1});
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (rejections(output) < logged + 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(rejections(output)).as("logged again once it changed").isEqualTo(logged + 2);
            assertThat(chat("demo").statusCode()).isEqualTo(200);
        } finally {
            Files.delete(binary);
        }
    }

    @Test
    void aRouteFileAReloadWouldRefuseStopsTheStartWithItsFileLineAndReason(CapturedOutput output) throws Exception {
        Path routes = Files.createDirectories(dir.resolve("bad-routes"));
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path bad = routes.resolve("providers.camel.yaml");
        String find = "      - name: retired\n        value: deepseek-chat";
        String edited = providersOriginal.replace(find, "      - name: retries\n        value: three\n" + find);
        Files.writeString(bad, edited);
        int line = edited.substring(0, edited.indexOf("        value: three")).split("\n", -1).length;

        assertThatThrownBy(() -> GatewayInstance.start(UPSTREAM, Map.of(
                "camel.main.routes-include-pattern", "file:" + routes + "/*.yaml",
                "caravan.ledger.spool-dir", dir.resolve("bad-spool").toString(),
                "spring.datasource.url", "jdbc:h2:mem:bad;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE")).close())
                .hasRootCauseInstanceOf(RouteFilesRejected.class);
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START", bad + ":" + line
                + ": templatedRoute 'provider-deepseek': parameter 'retries': 'three' is not an integer")
                .doesNotContain("FailedToCreateRouteException");
    }

    @Test
    void aRouteFileOnTheClassPathIsCheckedAtStartToo(CapturedOutput output) {
        assertThatThrownBy(() -> GatewayInstance.start(UPSTREAM, Map.of(
                "camel.main.routes-include-pattern", "file:routes/*.yaml,classpath:bad-routes/*.yaml",
                "caravan.reload.enabled", "false",
                "caravan.ledger.spool-dir", dir.resolve("classpath-spool").toString(),
                "spring.datasource.url", "jdbc:h2:mem:classpath;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE")).close())
                .hasRootCauseInstanceOf(RouteFilesRejected.class);
        assertThat(output.getAll()).contains("classpath:bad-routes/wrong-type.camel.yaml:11: templatedRoute "
                + "'provider-wrong-type': parameter 'totalTimeout': 'ten minutes' is not an integer");
    }

    /**
     * A bad edit of a file, what the log line must say, and where the line it names starts in the edited file
     * (null: not checked).
     */
    record BadEdit(String name, String file, String find, String replace, String reason, String line) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<BadEdit> badEdits() {
        return List.of(
                new BadEdit("YAML syntax", "providers", "      - name: id\n        value: demo",
                        "      - name: id\n       value: demo", "invalid YAML", "       value: demo"),
                new BadEdit("schema", "api", "        - to:\n            id: to-front-door",
                        "        - tox:\n            id: to-front-door", "not valid Camel YAML DSL", "        - tox:"),
                new BadEdit("a condition that does not parse", "api",
                        "simple: \"${header.CamelHttpMethod} == 'POST' && ${header.CamelHttpUri} == '/v1/responses'\"",
                        "simple: \"${header.CamelHttpMethod} == 'POST' && ${header.CamelHttpUri == '/v1/responses'\"",
                        "does not parse", "              - id: is-responses"),
                new BadEdit("unknown bean", "api", "ref: acceptRequest", "ref: acceptRequests",
                        "no bean named 'acceptRequests'", "        - process:\n            id: accept-request"),
                new BadEdit("unknown adapter", "providers", "      - name: adapter\n        value: glm",
                        "      - name: adapter\n        value: glmm", "Unknown provider adapter 'glmm'",
                        "      - name: adapter\n        value: glmm"),
                new BadEdit("an adapter whose quirks are data now", "providers", "      - name: adapter\n        value: glm",
                        "      - name: adapter\n        value: groq", "its quirks are parameters of the provider block now",
                        "      - name: adapter\n        value: groq"),
                new BadEdit("a parameter of the wrong type", "providers", "      - name: retired\n        value: deepseek-chat",
                        "      - name: retries\n        value: three\n      - name: retired\n        value: deepseek-chat",
                        "templatedRoute 'provider-deepseek': parameter 'retries': 'three' is not an integer",
                        "        value: three"),
                new BadEdit("a parameter out of range", "providers", "      - name: retired\n        value: deepseek-chat",
                        "      - name: connectTimeout\n        value: \"0\"\n      - name: retired\n        value: deepseek-chat",
                        "parameter 'connectTimeout': '0': must have a minimum value of 1", "        value: \"0\""),
                new BadEdit("a quirk that is not data", "providers", "value: 498=upstream_unavailable",
                        "value: 498=unavailable", "errorStatuses: 'unavailable' is not an error class",
                        "      - name: errorStatuses\n        value: 498=unavailable"),
                new BadEdit("unknown route", "api", "uri: direct:front-door\n      steps:",
                        "uri: direct:front-doors\n      steps:", "no route consumes 'direct:front-door'",
                        "        - to:\n            id: to-front-door"),
                new BadEdit("unknown template", "providers", "routeTemplateRef: provider\n    routeId: provider-glm",
                        "routeTemplateRef: providr\n    routeId: provider-glm", "names route template 'providr'",
                        "- templatedRoute:\n    routeTemplateRef: providr"),
                new BadEdit("unknown template parameter", "providers", "      - name: keepMessageFields",
                        "      - name: keepMessageField", "has no parameter 'keepMessageField'",
                        "      - name: keepMessageField"),
                new BadEdit("alias to an unknown provider", "config", "    coder: qwen/qwen3.8-max",
                        "    coder: nope/qwen3.8-max", "caravan.aliases.coder: 'nope/qwen3.8-max'",
                        "    coder: nope"),
                new BadEdit("no HTTP listener left", "api",
                        "uri: \"netty-http:http://{{caravan.host:0.0.0.0}}:{{caravan.port:8080}}\"",
                        "uri: \"direct:http-in\"", "no route would listen for HTTP any more", "- route:\n    id: http-in"),
                new BadEdit("a bean method that does not exist", "api", "method: live\n",
                        "method: lives\n", "bean 'health' has no method 'lives'", "                  - bean:\n"
                        + "                      id: liveness"),
                // Camel echoes the option's value: the provider key, masked
                new BadEdit("an option misspelt, holding a provider key", "providers",
                        "# A custom OpenAI-compatible provider", """
                        - route:
                            id: misspelt
                            from:
                              uri: direct:misspelt
                              steps:
                                - to: "llm:deepseek?api_key={{DEEPSEEK_API_KEY}}"
                        # A custom OpenAI-compatible provider""", "api_key=xxxxxx", "        - to: \"llm:deepseek?api_key="),
                new BadEdit("a price of the wrong type", "config", "  cny-per-usd: 7.1", "  cny-per-usd: seven",
                        "Failed to bind properties under 'caravan.cny-per-usd'", "  cny-per-usd: seven"),
                // the routes read it, in a template parameter's default: the first route to do so is named
                new BadEdit("a value the routes read, in application.yaml", "config", "  retries: 2", "  retries: two",
                        "parameter 'retries': 'two' ({{caravan.retries}}) is not an integer", null));
    }

    @ParameterizedTest
    @MethodSource("badEdits")
    void badEditsAreRejectedWithFileLineAndReasonAndTheRoutesServeOn(BadEdit edit, CapturedOutput output)
            throws Exception {
        Path file = switch (edit.file()) {
            case "providers" -> providers;
            case "api" -> api;
            default -> config;
        };
        String original = Files.readString(file);
        assertThat(original).contains(edit.find());
        int logged = rejections(output);
        String edited = original.replace(edit.find(), edit.replace());
        write(file, edited);
        JsonNode routes = awaitRoutes(body -> body.path("last_reload").path("outcome").asText().equals("rejected")
                && body.path("last_reload").path("message").asText().contains(edit.reason()));
        String where = routes.path("last_reload").path("where").asText();
        if (edit.line() != null) {
            assertThat(edited).contains(edit.line());
            int line = edited.substring(0, edited.indexOf(edit.line())).split("\n", -1).length;
            assertThat(where).isEqualTo(file + ":" + line);
        }
        Thread.sleep(300); // a few more polls: the same rejected edit is logged once
        assertThat(rejections(output)).isEqualTo(logged + 1);
        List<String> lines = output.getAll().lines().toList();
        int last = lines.size() - 1;
        while (!lines.get(last).contains("Reload rejected")) {
            last--;
        }
        assertThat(lines.get(last)).contains(where, edit.reason());
        assertThat(lines.subList(last + 1, lines.size())).as("no stack trace").noneMatch(l -> l.startsWith("\tat ")
                || l.startsWith("Caused by"));
        for (String provider : GatewayTest.PRESETS) {
            assertThat(output.getAll()).doesNotContain(GatewayTest.providerKey(provider));
            assertThat(routes.toString()).doesNotContain(GatewayTest.providerKey(provider));
        }
        assertThat(servesOriginals(routes)).as("the files that serve").isTrue();
        assertThat(chat("demo").statusCode()).isEqualTo(200);
        assertThat(chat("deepseek-flash").statusCode()).isEqualTo(200);
    }

    private static int rejections(CapturedOutput output) {
        return (int) output.getAll().lines().filter(l -> l.contains("Reload rejected")).count();
    }

    /** Whether the files that serve are the ones the test started with. */
    private static boolean servesOriginals(JsonNode body) {
        return sha256(body, "providers.camel.yaml").equals(sha256(providersOriginal))
                && sha256(body, "api.camel.yaml").equals(sha256(apiOriginal))
                && sha256(body, "application.yaml").equals(sha256(configOriginal));
    }

    private static String sha256(JsonNode routes, String file) {
        for (JsonNode node : routes.path("files")) {
            if (node.path("file").asText().endsWith(file)) {
                return node.path("sha256").asText();
            }
        }
        return "";
    }

    private static String sha256(String content) {
        return WatchedFiles.sha256(content);
    }

    private static int version(JsonNode routes, String file) {
        for (JsonNode node : routes.path("files")) {
            if (node.path("file").asText().endsWith(file)) {
                return node.path("version").asInt();
            }
        }
        return 0;
    }

    private static JsonNode awaitRoutes(Predicate<JsonNode> until) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode body;
        do {
            HttpResponse<String> response = GatewayTest.CLIENT.send(
                    gateway.request("/admin/routes", GatewayTest.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            body = Json.MAPPER.readTree(response.body());
            if (until.test(body)) {
                return body;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("not within 10 s: " + body.toPrettyString());
    }

    private static List<String> models() throws Exception {
        HttpResponse<String> response = GatewayTest.CLIENT.send(
                gateway.request("/v1/models", GatewayTest.CLIENT_KEY).build(), HttpResponse.BodyHandlers.ofString());
        return Json.MAPPER.readTree(response.body()).path("data").findValuesAsText("id");
    }

    private static HttpResponse<String> chat(String model) throws Exception {
        return chatAs(GatewayTest.CLIENT_KEY, model);
    }

    private static HttpResponse<String> chatAs(String key, String model) throws Exception {
        return GatewayTest.CLIENT.send(gateway.post(CHAT, body(model), key), HttpResponse.BodyHandlers.ofString());
    }

    private static String body(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static void write(Path file, String content) throws IOException {
        // as editors and ConfigMap updates do: the new content appears whole
        Path temp = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), content);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void write(Path file, byte[] content) throws IOException {
        Path temp = Files.write(file.resolveSibling(file.getFileName() + ".tmp"), content);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Four clients sending requests, streamed and not, to the models in play, without pause. */
    private static final class Load {
        private static final List<String> MODELS = List.of("demo", "deepseek-flash", "coder");
        private final List<String> models = new CopyOnWriteArrayList<>(MODELS);
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicInteger served = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean();
        private ExecutorService clients;

        void start() {
            running.set(true);
            clients = Executors.newFixedThreadPool(4);
            for (int c = 0; c < 4; c++) {
                int client = c;
                clients.submit(() -> {
                    for (int i = 0; running.get(); i++) {
                        String model = models.get((i + client) % models.size());
                        boolean stream = i % 3 == 0;
                        String body = stream ? body(model).replace("{\"model\"", "{\"stream\":true,\"model\"")
                                : body(model);
                        try {
                            HttpResponse<String> response = GatewayTest.CLIENT.send(
                                    gateway.post(CHAT, body, GatewayTest.CLIENT_KEY), HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() != 200 || stream && !response.body().contains("data: [DONE]")) {
                                failures.add(model + " " + response.statusCode() + " " + response.body());
                            } else {
                                served.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failures.add(model + " " + e);
                        }
                    }
                });
            }
        }

        void add(String... more) {
            models.addAll(List.of(more));
        }

        void reset() {
            models.retainAll(MODELS);
        }

        void remove(String... gone) {
            models.removeAll(List.of(gone));
        }

        void stop() throws InterruptedException {
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
