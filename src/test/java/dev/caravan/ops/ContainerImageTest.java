package dev.caravan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked of docker/Dockerfile without a Docker engine: everything it copies exists, and the
 * gateway starts with the image's JVM flags and environment in a working directory laid out like /app,
 * serves, writes nothing outside ./data, and stops cleanly on SIGTERM.
 */
class ContainerImageTest {

    private static final Path DOCKERFILE = Path.of("docker/Dockerfile");

    @Test
    void everyPathTheDockerfileCopiesExists() throws IOException {
        List<String> sources = new ArrayList<>();
        for (String line : Files.readAllLines(DOCKERFILE)) {
            if (line.startsWith("COPY ") && !line.contains("--from=")) {
                List<String> words = Arrays.asList(line.substring(5).trim().split("\\s+"));
                sources.addAll(words.subList(0, words.size() - 1));
            }
        }
        assertThat(sources).contains("pom.xml", "src", "application.yaml", "routes");
        assertThat(sources).allSatisfy(source -> assertThat(Path.of(source)).exists());
        // the build stage's jar: the name the pom gives it
        assertThat(Files.readString(DOCKERFILE)).contains("/src/target/caravan.jar");
        assertThat(Files.readString(Path.of("pom.xml"))).contains("<finalName>caravan</finalName>");
    }

    @Test
    void theGatewayRunsAsTheImageRunsItAndWritesOnlyUnderData(@TempDir Path app) throws Exception {
        String dockerfile = Files.readString(DOCKERFILE);
        copy(Path.of("application.yaml"), app.resolve("application.yaml"));
        copy(Path.of("routes"), app.resolve("routes"));
        Files.createDirectory(app.resolve("data"));
        Map<String, Long> before = snapshot(app);

        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        List<String> flags = new ArrayList<>();
        for (String flag : entrypointFlags(dockerfile)) {
            // the AOT cache is made by the image build (and JDK 25's); without it the JVM runs as well
            if (!flag.startsWith("-XX:AOTCache")) {
                flags.add(flag);
            }
        }
        ProcessBuilder builder = new ProcessBuilder(GatewayProcess.command(flags, List.of())).directory(app.toFile())
                .redirectErrorStream(true).redirectOutput(app.resolve("data/console.log").toFile());
        Map<String, String> env = builder.environment();
        env.putAll(imageEnvironment(dockerfile));
        env.put("CARAVAN_PORT", String.valueOf(port));
        env.put("CARAVAN_API_KEY", "sk-image-test");
        try (GatewayProcess gateway = GatewayProcess.start(builder, port)) {
            assertThat(gateway.awaitReady(Duration.ofSeconds(60))).as(Files.readString(app.resolve("data/console.log")))
                    .isEqualTo(200);
            HttpClient client = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + port);
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                    .header("Authorization", "Bearer sk-image-test").timeout(Duration.ofSeconds(20))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(new ObjectMapper().readTree(answer.body()).path("usage").path("total_tokens").asInt()).isPositive();
        }
        assertThat(app.resolve("data/caravan.mv.db")).as("the ledger, under data/").exists();
        Map<String, Long> after = snapshot(app);
        after.keySet().removeIf(path -> path.startsWith("data/"));
        before.keySet().removeIf(path -> path.startsWith("data/"));
        assertThat(after).as("nothing written outside data/").isEqualTo(before);
    }

    /** The JVM flags of the ENTRYPOINT, up to {@code -jar}. */
    private static List<String> entrypointFlags(String dockerfile) throws IOException {
        Matcher entrypoint = Pattern.compile("ENTRYPOINT (\\[.*?])", Pattern.DOTALL).matcher(dockerfile);
        assertThat(entrypoint.find()).isTrue();
        String[] words = new ObjectMapper().readValue(entrypoint.group(1).replace("\\\n", ""), String[].class);
        assertThat(words[0]).isEqualTo("java");
        List<String> flags = new ArrayList<>();
        for (int i = 1; i < words.length && !words[i].equals("-jar"); i++) {
            flags.add(words[i]);
        }
        return flags;
    }

    /** The runtime image's ENV settings. */
    private static Map<String, String> imageEnvironment(String dockerfile) {
        String runtime = dockerfile.substring(dockerfile.lastIndexOf("FROM "));
        Matcher env = Pattern.compile("ENV ((?:[^\\n]*\\\\\\n)*[^\\n]*)").matcher(runtime);
        Map<String, String> variables = new HashMap<>();
        while (env.find()) {
            for (String pair : env.group(1).replace("\\\n", " ").trim().split("\\s+")) {
                String[] nameValue = pair.split("=", 2);
                variables.put(nameValue[0], nameValue[1]);
            }
        }
        assertThat(variables).containsKeys("CARAVAN_HOST", "CARAVAN_PORT");
        return variables;
    }

    private static Map<String, Long> snapshot(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).collect(Collectors.toMap(
                    file -> root.relativize(file).toString().replace(File.separatorChar, '/'),
                    file -> file.toFile().lastModified() ^ file.toFile().length()));
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }
}
