package dev.caravan.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import dev.caravan.testing.Loopback;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The usage database goes away while a key with limits sends requests: every one of them is answered 503
 * {@code limits_unavailable} within two seconds for the whole outage, without a stack trace in the log; once
 * the database is back the key is served again at once, and the ledger has a row for every request. The
 * pool's own connection wait is left as shipped (application.yaml), longer than that.
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
class LimitsOutageTest {

    private static final FakeProviders UPSTREAM = new FakeProviders();
    private static final String KEY = "sk-test-outage-limited-key";
    private static final int CLIENTS = 12;

    @AfterAll
    static void stopUpstream() {
        UPSTREAM.stop();
    }

    @Test
    void keysWithLimitsGet503AtOnceWhileTheDatabaseIsAwayAndAreServedWhenItIsBack(CapturedOutput output)
            throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "limits-outage");
        int port = GatewayTest.freePort();
        Server database = h2Server(port, dir);
        try (GatewayInstance gateway = GatewayInstance.start(UPSTREAM, Map.of(
                "spring.datasource.url", "jdbc:h2:tcp://127.0.0.1:" + port + "/ledger;MODE=PostgreSQL;"
                        + "DATABASE_TO_LOWER=TRUE",
                "caravan.ledger.spool-dir", dir.resolve("spool"),
                "caravan.ledger.retry-interval", "200ms",
                "caravan.keys[0].name", "outage",
                "caravan.keys[0].key", KEY,
                "caravan.keys[0].rpm", 100000,
                "caravan.keys[0].daily-budget", 1000))) {
            Loopback loopback = new Loopback(gateway.request("/", KEY).build().uri().getPort());
            Map<String, Integer> sent = new HashMap<>();
            List<HttpResponse<String>> before = load(gateway, loopback, 1_000_000_000L);
            assertThat(before).extracting(HttpResponse::statusCode).containsOnly(200);
            sent.putAll(LedgerRows.statuses(before));
            String logBefore = output.getOut();

            database.stop();
            long outageStarted = System.nanoTime();
            List<Timed> during = timedLoad(gateway, loopback, 6_000_000_000L);
            long outageMillis = (System.nanoTime() - outageStarted) / 1_000_000;
            long slowest = during.stream().mapToLong(Timed::millis).max().orElseThrow();
            System.out.printf("limits during a %d ms outage: %d requests, statuses %s, slowest %d ms%n",
                    outageMillis, during.size(), statusCounts(during), slowest);
            assertThat(during).hasSizeGreaterThan(CLIENTS * 3);
            assertThat(during).allSatisfy(t -> {
                assertThat(t.response().statusCode()).as(t.response().body()).isEqualTo(503);
                assertThat(t.response().body()).contains("limits_unavailable");
                assertThat(t.millis()).as("ms to answer").isLessThan(2_000);
            });
            during.forEach(t -> sent.put(t.response().headers().firstValue("x-request-id").orElseThrow(),
                    t.response().statusCode()));
            String outageLog = output.getOut().substring(logBefore.length());
            assertThat(outageLog).doesNotContain(" ERROR ").doesNotContain("overridden by rollback exception")
                    .doesNotContain("\tat ").contains("keys with limits get 503 limits_unavailable");

            database = h2Server(port, dir);
            long back = System.nanoTime();
            HttpResponse<String> served;
            do {
                served = loopback.send(gateway.post("/v1/chat/completions", Loopback.chat("deepseek-flash"), KEY));
                sent.put(served.headers().firstValue("x-request-id").orElseThrow(), served.statusCode());
            } while (served.statusCode() != 200 && System.nanoTime() - back < 10_000_000_000L);
            long backMillis = (System.nanoTime() - back) / 1_000_000;
            System.out.printf("limits served again %d ms after the database was back%n", backMillis);
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(backMillis).isLessThan(3_000);
            List<HttpResponse<String>> after = load(gateway, loopback, 1_000_000_000L);
            assertThat(after).extracting(HttpResponse::statusCode).containsOnly(200);
            sent.putAll(LedgerRows.statuses(after));

            JdbcTemplate db = gateway.bean(JdbcTemplate.class);
            assertThat(LedgerRows.awaitStatuses(db, sent.keySet())).isEqualTo(sent);
        } finally {
            database.stop();
        }
    }

    private record Timed(HttpResponse<String> response, long millis) {
    }

    private static Map<Integer, Long> statusCounts(List<Timed> timed) {
        Map<Integer, Long> counts = new HashMap<>();
        timed.forEach(t -> counts.merge(t.response().statusCode(), 1L, Long::sum));
        return counts;
    }

    private static List<HttpResponse<String>> load(GatewayInstance gateway, Loopback loopback, long nanos)
            throws InterruptedException {
        return timedLoad(gateway, loopback, nanos).stream().map(Timed::response).toList();
    }

    /** {@link #CLIENTS} clients sending the key's requests one after the other, for {@code nanos}. */
    private static List<Timed> timedLoad(GatewayInstance gateway, Loopback loopback, long nanos)
            throws InterruptedException {
        List<Timed> answers = Collections.synchronizedList(new ArrayList<>());
        long deadline = System.nanoTime() + nanos;
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Thread client = new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    long started = System.nanoTime();
                    HttpResponse<String> response = loopback.send(gateway.post("/v1/chat/completions",
                            Loopback.chat("deepseek-flash"), KEY));
                    answers.add(new Timed(response, (System.nanoTime() - started) / 1_000_000));
                }
            });
            client.start();
            clients.add(client);
        }
        for (Thread client : clients) {
            client.join();
        }
        return new ArrayList<>(answers);
    }

    private static Server h2Server(int port, Path dir) throws SQLException {
        return Server.createTcpServer("-tcpPort", String.valueOf(port), "-ifNotExists", "-baseDir",
                dir.toAbsolutePath().toString()).start();
    }
}
