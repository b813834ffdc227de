package dev.caravan.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The usage database goes away in the middle of a run and comes back: requests are served all along, and
 * every one of them ends up in the ledger once. The database is an H2 server on a loopback port, stopped
 * and started again like a real one.
 */
class LedgerOutageTest {

    private static final FakeProviders UPSTREAM = new FakeProviders();
    private static final String CHAT = "/v1/chat/completions";

    @AfterAll
    static void stopUpstream() {
        UPSTREAM.stop();
    }

    @Test
    void anOutageMidRunLosesNoRecordAndDuplicatesNone() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "ledger-outage");
        int port = GatewayTest.freePort();
        Server database = h2Server(port, dir);
        try (GatewayInstance gateway = GatewayInstance.start(UPSTREAM, Map.of(
                "spring.datasource.url", "jdbc:h2:tcp://127.0.0.1:" + port + "/ledger;MODE=PostgreSQL;"
                        + "DATABASE_TO_LOWER=TRUE",
                "spring.datasource.hikari.connection-timeout", 500,
                "caravan.ledger.spool-dir", dir.resolve("spool"),
                "caravan.ledger.retry-interval", "200ms"))) {
            Map<String, Integer> served = new HashMap<>();
            served.putAll(LedgerRows.statuses(load(gateway, 60)));
            JdbcTemplate db = gateway.bean(JdbcTemplate.class);
            assertThat(LedgerRows.awaitStatuses(db, served.keySet())).hasSize(60);

            database.stop();
            List<HttpResponse<String>> duringOutage = load(gateway, 80);
            served.putAll(LedgerRows.statuses(duringOutage));
            assertThat(duringOutage).extracting(HttpResponse::statusCode).as("served all along").contains(200);
            UsageLedger ledger = gateway.bean(UsageLedger.class);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (ledger.backlog() < 80 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ledger.backlog()).as("waiting in the spool").isEqualTo(80);
            assertThat(Files.list(dir.resolve("spool")).count()).isPositive();

            database = h2Server(port, dir);
            served.putAll(LedgerRows.statuses(load(gateway, 60)));

            assertThat(served).hasSize(200);
            assertThat(LedgerRows.awaitStatuses(db, served.keySet())).isEqualTo(served);
            assertThat(db.queryForObject("select count(*) from usage_record", Long.class)).isEqualTo(200);
            assertThat(ledger.backlog()).isZero();
        } finally {
            database.stop();
        }
    }

    /** Concurrent requests with faults: provider errors, retries, unknown models, streams. */
    private static List<HttpResponse<String>> load(GatewayInstance gateway, int count) {
        for (int i = 0; i < 3; i++) {
            UPSTREAM.enqueue("deepseek", Answer.json(503, "{\"error\":{\"message\":\"busy\"}}"));
        }
        return GatewayInstance.concurrently(count, i -> {
            HttpRequest.Builder request = gateway.request(CHAT, GatewayTest.CLIENT_KEY)
                    .header("Content-Type", "application/json");
            String model = i % 4 == 3 ? "no-such-model" : "deepseek-flash";
            String stream = i % 4 == 1 ? ",\"stream\":true" : "";
            return request.POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\"" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();
        });
    }

    private static Server h2Server(int port, Path dir) throws SQLException {
        return Server.createTcpServer("-tcpPort", String.valueOf(port), "-ifNotExists", "-baseDir",
                dir.toAbsolutePath().toString()).start();
    }
}
