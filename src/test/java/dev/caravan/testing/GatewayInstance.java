package dev.caravan.testing;

import dev.caravan.CaravanApplication;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A gateway of its own, beside the shared one of {@link GatewayTest}: for tests that need several replicas,
 * or a database they can take away. Its providers are played by {@code upstream}.
 */
public final class GatewayInstance implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;

    private GatewayInstance(ConfigurableApplicationContext context, int port) {
        this.context = context;
        this.port = port;
    }

    /** Starts a gateway with the test routes, {@link GatewayTest#CLIENT_KEY}, and these properties on top. */
    public static GatewayInstance start(FakeProviders upstream, Map<String, Object> properties) {
        int port = GatewayTest.freePort();
        Map<String, Object> all = new LinkedHashMap<>(GatewayTest.upstreamProperties(upstream));
        all.put("caravan.host", "127.0.0.1");
        all.put("caravan.port", port);
        all.put("caravan.api-key", GatewayTest.CLIENT_KEY);
        all.put("caravan.admin-key", GatewayTest.ADMIN_KEY);
        all.put("camel.main.routes-include-pattern", "file:routes/*.yaml,classpath:test-routes/*.yaml");
        all.put("caravan.retry-backoff", 10);
        all.put("caravan.cool-down", 0);
        all.put("caravan.ledger.flush-interval", "20ms");
        all.put("caravan.breakers.test.sliding-window-size", 4); // the test routes' breaker
        all.putAll(properties);
        // as command-line arguments: they must win over application.yaml
        String[] args = all.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        return new GatewayInstance(new SpringApplicationBuilder(CaravanApplication.class).run(args), port);
    }

    /** {@link #start}, with a ledger (an H2 file) and spool of its own in a new directory under target/. */
    public static GatewayInstance startWithOwnLedger(FakeProviders upstream, String name,
                                                     Map<String, Object> properties) {
        try {
            Path dir = Files.createTempDirectory(Path.of("target"), name);
            Map<String, Object> all = new LinkedHashMap<>(properties);
            all.putIfAbsent("spring.datasource.url", "jdbc:h2:file:" + dir.toAbsolutePath().resolve("ledger")
                    + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE");
            all.putIfAbsent("caravan.ledger.spool-dir", dir.resolve("spool"));
            return start(upstream, all);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The loopback port it listens on. */
    public int port() {
        return port;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public HttpRequest.Builder request(String path, String key) {
        return new Loopback(port).request(path, key);
    }

    public HttpRequest post(String path, String body, String key) {
        return new Loopback(port).post(path, body, key);
    }

    /** Sends {@code count} requests at once and waits for all of them. */
    public static List<HttpResponse<String>> concurrently(int count, IntFunction<HttpRequest> request) {
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            sent.add(GatewayTest.CLIENT.sendAsync(request.apply(i), HttpResponse.BodyHandlers.ofString()));
        }
        return sent.stream().map(CompletableFuture::join).toList();
    }

    @Override
    public void close() {
        context.close();
    }
}
