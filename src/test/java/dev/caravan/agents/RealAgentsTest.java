package dev.caravan.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.FakeProviders.Received;
import dev.caravan.testing.GatewayTest;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The real coding agents, run non-interactively against the gateway: Codex CLI over {@code /v1/responses},
 * Claude Code over {@code /v1/messages}, opencode over {@code /v1/chat/completions}. Provider {@code deepseek}
 * is played by a script: the first turn calls the tool the agent declared for writing a file or running a
 * command, the turn that carries the tool's result answers "done". Each agent must have written the file,
 * and the ledger must hold a row for each of its requests.
 *
 * <p>The agents are the npm packages {@code .ci/agents.sh} installs (in {@code $CARAVAN_AGENTS_DIR}, else
 * {@code ~/.cache/caravan/agents}); without them the tests are skipped. They run with a temporary home,
 * telemetry and update checks off, and every proxy variable pointed at a local proxy that refuses
 * everything, so nothing leaves the machine; what they tried to reach is printed to the test log.
 */
class RealAgentsTest extends GatewayTest {

    private static final String PROVIDER = "deepseek";
    private static final String MODEL = PROVIDER + "/deepseek-flash";
    private static final long RUN_SECONDS = 90;
    private static final Path AGENTS = agentsDir();
    private static final RefusingProxy PROXY = new RefusingProxy();

    @Autowired
    private JdbcTemplate db;

    @TempDir
    Path temp;

    @BeforeAll
    static void startProxy() throws IOException {
        PROXY.start();
    }

    @AfterAll
    static void stopProxy() {
        PROXY.stop();
        System.out.println("[agents] the refusing proxy was asked for, in all: " + PROXY.attempts());
    }

    @Test
    @Timeout(value = 110, unit = TimeUnit.SECONDS)
    void opencodeWritesAFileOverChatCompletions() throws Exception {
        Path opencode = agent("opencode");
        Path work = workDir();
        Files.writeString(work.resolve("opencode.json"), """
                {
                  "$schema": "https://opencode.ai/config.json",
                  "provider": {
                    "caravan": {
                      "npm": "@ai-sdk/openai-compatible",
                      "name": "Caravan",
                      "options": { "baseURL": "http://127.0.0.1:%d/v1", "apiKey": "{env:CARAVAN_API_KEY}" },
                      "models": { "%s": { "name": "deepseek-flash", "tool_call": true } }
                    }
                  },
                  "model": "caravan/%s",
                  "small_model": "caravan/%s",
                  "autoupdate": false,
                  "share": "disabled",
                  "permission": { "edit": "allow", "bash": "allow", "webfetch": "deny" }
                }
                """.formatted(PORT, MODEL, MODEL, MODEL));
        Map<String, String> env = baseEnv();
        env.put("CARAVAN_API_KEY", CLIENT_KEY);
        env.put("OPENCODE_DISABLE_AUTOUPDATE", "1");
        env.put("OPENCODE_DISABLE_MODELS_FETCH", "1");
        env.put("OPENCODE_DISABLE_SHARE", "1");
        env.put("OPENCODE_DISABLE_LSP_DOWNLOAD", "1");
        env.put("OPENCODE_DISABLE_DEFAULT_PLUGINS", "1");
        env.put("OPENCODE_DISABLE_CLAUDE_CODE", "1");
        env.put("OPENCODE_DISABLE_EXTERNAL_SKILLS", "1");

        runAgent("opencode", work, env, List.of(opencode.toString(), "run",
                        "Write the line 'hello from opencode' into note.txt"),
                "/v1/chat/completions", "hello from opencode\n", (name, args) -> switch (name) {
                    case "write" -> args.put("filePath", work.resolve("note.txt").toString())
                            .put("content", "hello from opencode\n");
                    default -> null;
                });
    }

    @Test
    @Timeout(value = 110, unit = TimeUnit.SECONDS)
    void codexWritesAFileOverResponses() throws Exception {
        Path codex = agent("codex");
        Path work = workDir();
        Path codexHome = Files.createDirectories(temp.resolve("codex-home"));
        Files.writeString(codexHome.resolve("config.toml"), """
                model = "%s"
                model_provider = "caravan"
                check_for_update_on_startup = false
                approval_policy = "never"

                [model_providers.caravan]
                name = "Caravan"
                base_url = "http://127.0.0.1:%d/v1"
                env_key = "CARAVAN_API_KEY"
                wire_api = "responses"
                # a failing gateway fails the test at once, not after Codex's retries
                request_max_retries = 0
                stream_max_retries = 0

                [analytics]
                enabled = false

                [feedback]
                enabled = false

                [otel]
                exporter = "none"
                trace_exporter = "none"
                metrics_exporter = "none"
                """.formatted(MODEL, PORT));
        Map<String, String> env = baseEnv();
        env.put("CODEX_HOME", codexHome.toString());
        env.put("CARAVAN_API_KEY", CLIENT_KEY);

        String command = "printf 'hello from codex\\n' > note.txt";
        // no sandbox: the only command run is the script's own, in a fresh temporary directory, and Codex's
        // bubblewrap sandbox needs user namespaces a container may not grant
        runAgent("codex", work, env, List.of(codex.toString(), "exec", "--strict-config", "--skip-git-repo-check",
                        "--dangerously-bypass-approvals-and-sandbox", "--cd", work.toString(),
                        "Write the line 'hello from codex' into note.txt"),
                "/v1/responses", "hello from codex\n", (name, args) -> switch (name) {
                    case "exec_command" -> args.put("cmd", command);
                    case "shell_command" -> args.put("command", command);
                    case "shell" -> {
                        args.putArray("command").add("bash").add("-lc").add(command);
                        yield args;
                    }
                    default -> null;
                });
    }

    @Test
    @Timeout(value = 110, unit = TimeUnit.SECONDS)
    void claudeCodeWritesAFileOverMessages() throws Exception {
        // ANTHROPIC_AUTH_TOKEN: sent as Authorization: Bearer
        claudeCode("ANTHROPIC_AUTH_TOKEN");
    }

    @Test
    @Timeout(value = 110, unit = TimeUnit.SECONDS)
    void claudeCodeWithAnApiKeyWritesAFileOverMessages() throws Exception {
        // ANTHROPIC_API_KEY: sent as x-api-key
        claudeCode("ANTHROPIC_API_KEY");
    }

    private void claudeCode(String keyVariable) throws Exception {
        Path claude = agent("claude");
        Path work = workDir();
        Map<String, String> env = baseEnv();
        env.put("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + PORT);
        env.put(keyVariable, CLIENT_KEY);
        env.put("ANTHROPIC_MODEL", MODEL);
        env.put("ANTHROPIC_SMALL_FAST_MODEL", MODEL);
        env.put("ANTHROPIC_DEFAULT_HAIKU_MODEL", MODEL);
        env.put("ANTHROPIC_DEFAULT_SONNET_MODEL", MODEL);
        env.put("ANTHROPIC_DEFAULT_OPUS_MODEL", MODEL);
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("DISABLE_TELEMETRY", "1");
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("DISABLE_ERROR_REPORTING", "1");
        env.put("DISABLE_BUG_COMMAND", "1");
        // a failing gateway fails the test at once, not after the SDK's retries
        env.put("CLAUDE_CODE_MAX_RETRIES", "0");

        // acceptEdits lets Write run unasked; --dangerously-skip-permissions is refused to root
        runAgent("claude-" + keyVariable, work, env, List.of(claude.toString(), "-p", "--permission-mode",
                        "acceptEdits", "Write the line 'hello from claude' into note.txt"),
                "/v1/messages", "hello from claude\n", (name, args) -> switch (name) {
                    case "Write" -> args.put("file_path", work.resolve("note.txt").toString())
                            .put("content", "hello from claude\n");
                    default -> null;
                });
    }

    /**
     * Runs the agent with the scripted provider behind the gateway and checks its work: the file written,
     * a successful exit, and one ledger row, status 200, for each request it sent to {@code path}.
     *
     * @param toolCall the arguments for a tool the agent declared, by name; {@code null} for the others
     */
    private void runAgent(String agent, Path work, Map<String, String> env, List<String> command, String path,
                          String expected, BiFunction<String, ObjectNode, ObjectNode> toolCall) throws Exception {
        List<String> declared = new CopyOnWriteArrayList<>();
        UPSTREAM.respond(PROVIDER, request -> answer(request, toolCall, declared));
        Timestamp start = Timestamp.from(Instant.now().minusMillis(5));
        int proxied = PROXY.attempts().size();

        Path out = temp.resolve(agent + ".out");
        Path err = temp.resolve(agent + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        long began = System.nanoTime();
        Process process = builder.start();
        boolean exited = process.waitFor(RUN_SECONDS, TimeUnit.SECONDS);
        if (!exited) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        long millis = (System.nanoTime() - began) / 1_000_000;
        List<Received> received = UPSTREAM.received(PROVIDER);
        List<String> reached = PROXY.attempts().subList(proxied, PROXY.attempts().size());

        String log = "[agents] " + agent + " (" + String.join(" ", command.subList(1, command.size())) + "): "
                + (exited ? "exit " + process.exitValue() : "killed after " + RUN_SECONDS + " s") + " in " + millis
                + " ms\n"
                + "[agents] " + agent + " tried through the proxy: " + reached + "\n"
                + "[agents] " + agent + " tools the provider saw: " + declared + "\n"
                + "[agents] " + agent + " provider requests: " + received.stream()
                        .map(r -> r.method() + " " + r.path() + " " + summary(r.json()))
                        .collect(Collectors.joining("\n    ", "\n    ", "")) + "\n"
                + "[agents] " + agent + " stdout:\n" + tail(out) + "\n[agents] " + agent + " stderr:\n" + tail(err);
        System.out.println(log);

        Path note = work.resolve("note.txt");
        assertThat(exited).as("%s finished within %d s\n%s", agent, RUN_SECONDS, log).isTrue();
        assertThat(process.exitValue()).as("%s exit code\n%s", agent, log).isZero();
        assertThat(note).as("%s wrote note.txt\n%s", agent, log).exists();
        assertThat(Files.readString(note)).isEqualTo(expected);
        // the turn after the tool call carried its result, and the agent printed the final answer
        assertThat(received).as("provider requests\n%s", log).anySatisfy(r ->
                assertThat(hasToolResult(r.json())).isTrue());
        assertThat(Files.readString(out)).as("%s stdout", agent).contains("done");

        List<Map<String, Object>> rows = awaitRows(start, path, received.size());
        assertThat(rows).as("ledger rows for %s\n%s", path, log).hasSize(received.size());
        assertThat(rows).allSatisfy(row -> {
            assertThat(row.get("status")).isEqualTo(200);
            assertThat(row.get("provider")).isEqualTo(PROVIDER);
            assertThat(((Number) row.get("prompt_tokens")).longValue()).isPositive();
            assertThat(((Number) row.get("completion_tokens")).longValue()).isPositive();
        });
    }

    /** A chat completion: one call of the agent's tool first, "done" once a tool result is in. */
    private static Answer answer(Received request, BiFunction<String, ObjectNode, ObjectNode> toolCall,
                                 List<String> declared) {
        JsonNode body = request.json();
        String name = null;
        ObjectNode arguments = null;
        List<String> names = new ArrayList<>();
        for (JsonNode tool : body.path("tools")) {
            String toolName = tool.path("function").path("name").asText();
            names.add(toolName);
            ObjectNode args = name == null ? toolCall.apply(toolName, JSON.createObjectNode()) : null;
            if (args != null) {
                name = toolName;
                arguments = args;
            }
        }
        if (!names.isEmpty() && declared.isEmpty()) {
            declared.addAll(names);
        }
        boolean toolTurn = name != null && !hasToolResult(body);
        String content = name == null && !names.isEmpty() ? "no tool to write a file among " + names : "done";
        String model = body.path("model").asText();
        String head = "{\"id\":\"chatcmpl-agent\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
                + JSON.valueToTree(model) + ",";
        String usage = "\"usage\":{\"prompt_tokens\":" + (body.toString().length() / 4 + 1)
                + ",\"completion_tokens\":12,\"total_tokens\":" + (body.toString().length() / 4 + 13) + "}";
        if (body.path("stream").asBoolean()) {
            List<String> events = new ArrayList<>();
            if (toolTurn) {
                String args = arguments.toString();
                int half = args.length() / 2;
                events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                        + "\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_agent_1\",\"type\":\"function\","
                        + "\"function\":{\"name\":" + JSON.valueToTree(name) + ",\"arguments\":\"\"}}]},"
                        + "\"finish_reason\":null}]}\n\n");
                for (String piece : List.of(args.substring(0, half), args.substring(half))) {
                    events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                            + "\"function\":{\"arguments\":" + JSON.valueToTree(piece) + "}}]},"
                            + "\"finish_reason\":null}]}\n\n");
                }
                events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},"
                        + "\"finish_reason\":\"tool_calls\"}]," + usage + "}\n\n");
            } else {
                events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                        + "\"content\":" + JSON.valueToTree(content) + "},\"finish_reason\":null}]}\n\n");
                events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                        + usage + "}\n\n");
            }
            events.add("data: [DONE]\n\n");
            return Answer.stream(2, events.toArray(String[]::new));
        }
        ObjectNode message = JSON.createObjectNode().put("role", "assistant");
        if (toolTurn) {
            message.putNull("content");
            message.putArray("tool_calls").addObject().put("id", "call_agent_1").put("type", "function")
                    .putObject("function").put("name", name).put("arguments", arguments.toString());
        } else {
            message.put("content", content);
        }
        ObjectNode completion = JSON.createObjectNode().put("id", "chatcmpl-agent").put("object", "chat.completion")
                .put("created", 1).put("model", model);
        completion.putArray("choices").addObject().put("index", 0)
                .put("finish_reason", toolTurn ? "tool_calls" : "stop").set("message", message);
        completion.set("usage", readTree("{" + usage + "}").path("usage"));
        return Answer.json(200, completion.toString());
    }

    private static boolean hasToolResult(JsonNode body) {
        for (JsonNode message : body.path("messages")) {
            if ("tool".equals(message.path("role").asText())) {
                return true;
            }
        }
        return false;
    }

    /** A provider request in a line: stream or not, the roles of its messages, how many tools. */
    private static String summary(JsonNode body) {
        List<String> roles = new ArrayList<>();
        body.path("messages").forEach(m -> roles.add(m.path("role").asText()));
        return "model=" + body.path("model").asText() + " stream=" + body.path("stream").asBoolean() + " messages="
                + roles + " tools=" + body.path("tools").size();
    }

    private List<Map<String, Object>> awaitRows(Timestamp start, String path, int expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            List<Map<String, Object>> rows = db.queryForList("select path, status, provider, prompt_tokens, "
                    + "completion_tokens, stream from usage_record where at >= ? and path like ? order by at",
                    start, path + "%");
            if (rows.size() >= expected || System.nanoTime() > deadline) {
                System.out.println("[agents] ledger rows for " + path + ": " + rows);
                return rows;
            }
            Thread.sleep(50);
        }
    }

    /** A temporary home with every per-user directory in it, the proxies refusing, no inherited secrets. */
    private Map<String, String> baseEnv() throws IOException {
        Path home = Files.createDirectories(temp.resolve("home"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", AGENTS.resolve("node_modules/.bin") + File.pathSeparator + System.getenv()
                .getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("HOME", home.toString());
        env.put("USER", System.getProperty("user.name", "caravan"));
        env.put("LANG", "C.UTF-8");
        env.put("TERM", "dumb");
        env.put("NO_COLOR", "1");
        env.put("CI", "true");
        env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        env.put("XDG_DATA_HOME", home.resolve(".local/share").toString());
        env.put("XDG_STATE_HOME", home.resolve(".local/state").toString());
        env.put("XDG_CACHE_HOME", home.resolve(".cache").toString());
        String proxy = "http://127.0.0.1:" + PROXY.port();
        for (String name : List.of("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")) {
            env.put(name, proxy);
            env.put(name.toLowerCase(), proxy);
        }
        env.put("NO_PROXY", "127.0.0.1,localhost");
        env.put("no_proxy", "127.0.0.1,localhost");
        return env;
    }

    private Path workDir() throws IOException {
        return Files.createDirectories(temp.resolve("work")).toRealPath();
    }

    private static Path agent(String name) {
        Path bin = AGENTS.resolve("node_modules/.bin").resolve(name);
        assumeTrue(Files.isExecutable(bin), () -> name + " is not installed at " + bin
                + ": run `bash .ci/agents.sh` (npm) to install the coding agents this test drives");
        return bin;
    }

    private static Path agentsDir() {
        // as .ci/agents.sh: ${CARAVAN_AGENTS_DIR:-$HOME/.cache/caravan/agents}
        String dir = System.getenv("CARAVAN_AGENTS_DIR");
        String home = System.getenv("HOME");
        return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(home != null && !home.isBlank() ? home
                : System.getProperty("user.home"), ".cache", "caravan", "agents");
    }

    private static String tail(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "";
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return text.length() > 6000 ? "..." + text.substring(text.length() - 6000) : text;
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP proxy on 127.0.0.1 that records each request line (CONNECT host:443, GET http://...) and says 403. */
    static final class RefusingProxy {
        private final List<String> attempts = new CopyOnWriteArrayList<>();
        private ServerSocket socket;

        void start() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket client = socket.accept();
                        Thread handler = new Thread(() -> refuse(client), "refusing-proxy-connection");
                        handler.setDaemon(true);
                        handler.start();
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "refusing-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void refuse(Socket client) {
            try (client) {
                client.setSoTimeout(5000);
                InputStream in = client.getInputStream();
                StringBuilder line = new StringBuilder();
                int c;
                while ((c = in.read()) != -1 && c != '\n' && line.length() < 2000) {
                    line.append((char) c);
                }
                attempts.add(line.toString().trim());
                OutputStream os = client.getOutputStream();
                os.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                os.flush();
            } catch (IOException ignored) {
                // the agent gave up first
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        List<String> attempts() {
            return List.copyOf(attempts);
        }

        void stop() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
