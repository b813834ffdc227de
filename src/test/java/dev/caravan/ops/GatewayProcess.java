package dev.caravan.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.CaravanApplication;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** The gateway as a process of its own: java, the application's class path (no test classes), its main class. */
final class GatewayProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private GatewayProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * {@code java <jvm flags> -cp <class path> dev.caravan.CaravanApplication <arguments>}, the class path being this
     * test run's without the test classes (the jar is only built after the tests).
     */
    static List<String> command(List<String> jvmFlags, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator)));
        command.add(CaravanApplication.class.getName());
        command.addAll(arguments);
        return command;
    }

    /** Starts the builder's command; the gateway is to listen on {@code port}. */
    static GatewayProcess start(ProcessBuilder builder, int port) throws IOException {
        return new GatewayProcess(builder.start(), port);
    }

    Process process() {
        return process;
    }

    /** The status of {@code GET /ready} once it is 200, or when the time is up or the process ended (0: no answer). */
    int awaitReady(Duration within) throws InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        URI ready = URI.create("http://127.0.0.1:" + port + "/ready");
        long deadline = System.nanoTime() + within.toNanos();
        int status = 0;
        while (status != 200 && System.nanoTime() < deadline && process.isAlive()) {
            try {
                status = client.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        return status;
    }

    /** SIGTERM, as {@code docker stop} sends it: the gateway must be gone within 40 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(40, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
    }
}
