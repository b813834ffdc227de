package dev.caravan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.CaravanApplication;
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
        Process gateway = start(port, log);
        try {
            Loopback loopback = new Loopback(port);
            HttpResponse<String> ready = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            while (System.nanoTime() < deadline && gateway.isAlive()) {
                try {
                    ready = GatewayTest.CLIENT.send(loopback.request("/ready", null).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (ready.statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    Thread.sleep(200);
                }
            }
            assertThat(ready).as(Files.readString(log)).isNotNull();
            assertThat(ready.statusCode()).isEqualTo(200);

            HttpResponse<String> chat = GatewayTest.CLIENT.send(loopback.post("/v1/chat/completions",
                    "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                    GatewayTest.CLIENT_KEY), HttpResponse.BodyHandlers.ofString());
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            assertThat(chat.headers().firstValue("x-caravan-provider")).hasValue("demo");
            assertThat(Files.readString(log)).contains("No application.yaml in " + dir.toAbsolutePath(),
                    "running on the settings and routes the jar carries");
        } finally {
            stop(gateway);
        }
    }

    @Test
    void saysInOneLineThatItsRoutesDirectoryIsNotThere() throws Exception {
        Files.copy(Path.of("application.yaml"), dir.resolve("application.yaml"));
        Path log = dir.resolve("gateway.log");
        Process gateway = start(GatewayTest.freePort(), log);
        assertThat(gateway.waitFor(45, TimeUnit.SECONDS)).as("the start stopped").isTrue();
        assertThat(Files.readString(log)).contains("APPLICATION FAILED TO START", "The route files are not there: no "
                + "routes in " + dir.toAbsolutePath()).doesNotContain("\tat org.apache.camel");
    }

    @Test
    void saysWhenItsRoutesDirectoryHoldsNoRouteFile() throws Exception {
        Files.copy(Path.of("application.yaml"), dir.resolve("application.yaml"));
        Files.createDirectory(dir.resolve("routes"));
        Path log = dir.resolve("gateway.log");
        Process gateway = start(GatewayTest.freePort(), log);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            while (System.nanoTime() < deadline && gateway.isAlive()
                    && !Files.readString(log).contains("No route file matches")) {
                Thread.sleep(200);
            }
            assertThat(Files.readString(log)).contains("No route file matches [file:routes/*.yaml] in "
                    + dir.toAbsolutePath() + ": no route comes from the file system");
        } finally {
            stop(gateway);
        }
    }

    private Process start(int port, Path log) throws IOException {
        return new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", CaravanApplication.class.getName(),
                "--caravan.host=127.0.0.1", "--caravan.port=" + port, "--caravan.api-key=" + GatewayTest.CLIENT_KEY))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void stop(Process gateway) throws InterruptedException {
        gateway.destroy();
        assertThat(gateway.waitFor(40, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
    }
}
