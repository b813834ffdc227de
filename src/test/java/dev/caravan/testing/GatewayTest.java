package dev.caravan.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.CaravanApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.boot.test.system.CapturedOutput;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway as users run it (application.yaml and routes/ from the working directory) on a loopback
 * port, with every preset pointed at {@link FakeProviders}. One Spring context serves all subclasses.
 */
@CamelSpringBootTest
@SpringBootTest(classes = {CaravanApplication.class, TestClock.Registration.class}, properties = {
        "caravan.host=127.0.0.1",
        "caravan.api-key=" + GatewayTest.CLIENT_KEY,
        "caravan.keys[0].name=limited",
        "caravan.keys[0].key=" + GatewayTest.LIMITED_KEY,
        "caravan.keys[0].models=deepseek-*,glm/*",
        "caravan.keys[1].name=capped",
        "caravan.keys[1].key=" + GatewayTest.CAPPED_KEY,
        "caravan.keys[1].daily-budget=0.0001",
        "caravan.keys[2].name=paced",
        "caravan.keys[2].key=" + GatewayTest.PACED_KEY,
        "caravan.keys[2].rpm=3",
        "caravan.keys[3].name=metered",
        "caravan.keys[3].key=" + GatewayTest.METERED_KEY,
        "caravan.keys[3].tpm=1000",
        "caravan.keys[4].name=rotated",
        "caravan.keys[4].key=sk-test-expired-key",
        "caravan.keys[4].expires=2020-01-01T00:00:00Z",
        "caravan.keys[5].name=rotated",
        "caravan.keys[5].key=sk-test-revoked-key",
        "caravan.keys[5].revoked=true",
        "caravan.keys[6].name=budgeted",
        "caravan.keys[6].key=" + GatewayTest.BUDGETED_KEY,
        "caravan.keys[6].daily-budget=1000",
        // a price for the validating test provider: answers it rejects cost money too
        "caravan.prices.strict.strict-model.input=1000",
        "caravan.prices.strict.strict-model.output=1000",
        "caravan.aliases.fast=glm-5.3-flash",
        // a routable name without a price
        "caravan.aliases.unpriced=glm/glm-4-flash",
        // coding agents' own model names, by pattern; the most specific wins
        "caravan.aliases.[claude-*]=glm/glm-5.3-flash",
        "caravan.aliases.[claude-haiku-*]=deepseek/deepseek-flash",
        "camel.main.routes-include-pattern=file:routes/*.yaml,classpath:test-routes/*.yaml",
        // retries as shipped (2), with short waits so the suite stays fast
        "caravan.retry-backoff=10",
        "caravan.retry-max-delay=2000",
        // cool-downs would carry one test's provider failure into the next; provider "broke" has its own
        "caravan.cool-down=0",
        "caravan.fallbacks.flaky-model[0]=nosuchprovider/x",
        "caravan.fallbacks.flaky-model[1]=qwen/qwen-plus",
        "caravan.long-context.flaky-model=glm/glm-4-long",
        "caravan.fallbacks.strict-model[0]=qwen/qwen-plus",
        // a provider serving Anthropic's API natively falls back to one that gets the translated request
        "caravan.fallbacks.native-model[0]=qwen/qwen-plus",
        "caravan.admin-key=" + GatewayTest.ADMIN_KEY,
        "caravan.dead-letters.dir=target/dead-letters-test",
        "caravan.breakers.test.sliding-window-size=4",
        "caravan.breakers.test.minimum-number-of-calls=4",
        "caravan.breakers.test.wait-in-open-state=1s",
        "caravan.breakers.test.half-open-calls=1",
})
public abstract class GatewayTest {

    public static final String CLIENT_KEY = "sk-test-client-key";
    public static final String LIMITED_KEY = "sk-test-limited-key";
    public static final String ADMIN_KEY = "sk-test-admin-key";
    /** Daily budget 0.0001 USD. */
    public static final String CAPPED_KEY = "sk-test-capped-key";
    /** 3 requests a minute. */
    public static final String PACED_KEY = "sk-test-paced-key";
    /** A daily budget no test spends. */
    public static final String BUDGETED_KEY = "sk-test-budgeted-key";
    /** 1000 tokens a minute. */
    public static final String METERED_KEY = "sk-test-metered-key";
    /** The providers the presets ship, in the order of routes/providers.camel.yaml. */
    public static final List<String> PRESETS = List.of("openai", "deepseek", "qwen", "glm", "siliconflow", "groq",
            "openrouter", "moonshot");

    protected static final ObjectMapper JSON = new ObjectMapper();
    protected static final FakeProviders UPSTREAM = new FakeProviders();
    protected static final int PORT = freePort();
    /** This test run's name, for files and database objects of its own. */
    protected static final String RUN = "run" + Long.toString(System.currentTimeMillis(), 36);
    public static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Attempts a provider makes per request: the first and {@code caravan.retries} (2) more. */
    public static final int ATTEMPTS = 3;

    /** Queues an answer for every attempt of the next request, so a retryable failure is the final one. */
    protected static void failEveryAttempt(String provider, FakeProviders.Answer answer) {
        for (int i = 0; i < ATTEMPTS; i++) {
            UPSTREAM.enqueue(provider, answer);
        }
    }

    public static String providerKey(String provider) {
        return "sk-" + provider + "-provider-secret-0123456789";
    }

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) {
        registry.add("caravan.port", () -> PORT);
        upstreamProperties(UPSTREAM).forEach((name, value) -> registry.add(name, () -> value));
        // a ledger of this run's own: reports count only this run's requests
        registry.add("spring.datasource.url", () -> "jdbc:h2:file:./target/test-data/" + RUN
                + "/caravan;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE");
        registry.add("caravan.ledger.spool-dir", () -> "target/test-data/" + RUN + "/ledger-spool");
        registry.add("caravan.ledger.flush-interval", () -> "20ms");
    }

    /** Every preset and test provider pointed at {@code upstream}. */
    static Map<String, Object> upstreamProperties(FakeProviders upstream) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (String id : PRESETS) {
            String env = id.toUpperCase();
            properties.put(env + "_API_KEY", providerKey(id));
            if (!id.equals("qwen")) {
                properties.put(env + "_BASE_URL", upstream.baseUrl(id));
            }
        }
        // qwen goes by region, to prove QWEN_REGION picks caravan.regions.qwen.<region>
        properties.put("QWEN_REGION", "loopback");
        properties.put("caravan.regions.qwen.loopback", upstream.baseUrl("qwen"));
        properties.put("FAKE_UPSTREAM", "http://127.0.0.1:" + upstream.port());
        // DeepSeek's peak hours would make costs depend on when the suite runs: its peak price is its off-peak one
        // here (PriceBookTest covers peak hours at fixed instants)
        properties.put("caravan.prices.deepseek.deepseek-flash.peak.input", "0.15");
        properties.put("caravan.prices.deepseek.deepseek-flash.peak.cached-input", "0.003");
        properties.put("caravan.prices.deepseek.deepseek-flash.peak.output", "0.60");
        properties.put("CLOSED_PORT", freePort());
        return properties;
    }

    @Autowired
    private CircuitBreakerRegistry breakers;

    @BeforeEach
    void resetUpstream() {
        UPSTREAM.reset();
        // one test's failures must not open a breaker for the next
        breakers.getAllCircuitBreakers().forEach(CircuitBreaker::reset);
    }

    protected static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + PORT + path);
    }

    protected static HttpResponse<String> post(String path, String body) {
        return post(path, body, CLIENT_KEY);
    }

    protected static HttpResponse<String> post(String path, String body, String key) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    protected static HttpResponse<String> get(String path, String key) {
        return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + key).GET());
    }

    protected static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return CLIENT.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    protected static String chat(String model) {
        return Loopback.chat(model);
    }

    protected static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /**
     * Asserts the request log shows a line matching {@code regex}. The line is written after the response
     * (for a stream, when it ends), so this waits for it, a few seconds at most.
     */
    protected static void assertLogged(CapturedOutput output, String regex) throws InterruptedException {
        Pattern line = Pattern.compile(regex);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!line.matcher(output.getOut()).find() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(output.getOut()).containsPattern(line);
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
