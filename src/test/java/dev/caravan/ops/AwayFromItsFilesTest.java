package dev.caravan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.Loopback;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway started where there is no application.yaml and no routes/ ({@code java -jar} from another directory):
 * it serves on the settings and routes the jar carries, and says so, instead of starting with no route. With an
 * application.yaml but no route file, it says so in one line.
 */
class AwayFromItsFilesTest {

    @TempDir
    Path dir;

    @Test
    void servesTheDemoModelOnTheJarsDefaults() throws Exception {
        int port = GatewayTest.freePort();
        Path log = dir.resolve("gateway.log");
        try (GatewayProcess gateway = start(port, log)) {
            assertThat(gateway.awaitReady(Duration.ofSeconds(45))).as(Files.readString(log)).isEqualTo(200);

            HttpResponse<String> chat = GatewayTest.CLIENT.send(new Loopback(port).post("/v1/chat/completions",
                    "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    GatewayTest.CLIENT_KEY), HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(chat.headers().firstValue("x-caravan-provider")).hasValue("demo");
            assertThat(Files.readString(log)).contains("No application.yaml in " + dir.toAbsolutePath(),
                    "running on the settings and routes the jar carries");
        }
    }

    @Test
    void saysInOneLineThatItsRoutesDirectoryIsNotThere() throws Exception {
        Files.copy(Path.of("application.yaml"), dir.resolve("application.yaml"));
        Path log = dir.resolve("gateway.log");
        try (GatewayProcess gateway = start(GatewayTest.freePort(), log)) {
            assertThat(gateway.process().waitFor(45, TimeUnit.SECONDS)).as("the start stopped").isTrue();
        }
        assertThat(Files.readString(log)).contains("APPLICATION FAILED TO START", "The route files are not there: no "
                + "routes in " + dir.toAbsolutePath()).doesNotContain("\tat org.apache.camel");
    }

    @Test
    void saysWhenItsRoutesDirectoryHoldsNoRouteFile() throws Exception {
        Files.copy(Path.of("application.yaml"), dir.resolve("application.yaml"));
        Files.createDirectory(dir.resolve("routes"));
        Path log = dir.resolve("gateway.log");
        try (GatewayProcess gateway = start(GatewayTest.freePort(), log)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            while (System.nanoTime() < deadline && gateway.process().isAlive()
                    && !Files.readString(log).contains("No route file matches")) {
                Thread.sleep(200);
            }
            assertThat(Files.readString(log)).contains("No route file matches [file:routes/*.yaml] in "
                    + dir.toAbsolutePath() + ": no route comes from the file system");
        }
    }

    private GatewayProcess start(int port, Path log) throws IOException {
        return GatewayProcess.start(new ProcessBuilder(GatewayProcess.command(List.of("-Xmx256m"), List.of(
                "--caravan.host=127.0.0.1", "--caravan.port=" + port, "--caravan.api-key=" + GatewayTest.CLIENT_KEY)))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()), port);
    }
}
