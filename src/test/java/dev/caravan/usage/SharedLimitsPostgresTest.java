package dev.caravan.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.LedgerRows;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two gateway replicas on one PostgreSQL (the machine's, 127.0.0.1:5432, database {@code test}, in a
 * schema of this run's own) share one budget and one rate limit exactly. Skipped where no PostgreSQL runs.
 */
class SharedLimitsPostgresTest {

    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String USER = "postgres";
    private static final String SCHEMA = "caravan_test_" + Long.toString(System.nanoTime(), 36);
    private static final String CHAT = "/v1/chat/completions";
    private static final String SHARED_KEY = "sk-test-shared-key";
    private static final String STEADY_KEY = "sk-test-steady-key";
    private static final BigDecimal CAP = new BigDecimal("0.0002");

    private static final FakeProviders UPSTREAM = new FakeProviders();
    private static GatewayInstance first;
    private static GatewayInstance second;

    @BeforeAll
    static void twoReplicas() throws SQLException {
        assumeTrue(postgresRuns(), "no PostgreSQL on 127.0.0.1:5432");
        // Caravan migrates into the connection's current schema
        try (Connection c = DriverManager.getConnection(URL, USER, "")) {
            c.createStatement().execute("create schema " + SCHEMA);
        }
        Map<String, Object> shared = Map.ofEntries(
                Map.entry("spring.datasource.url", URL + "?currentSchema=" + SCHEMA),
                Map.entry("spring.datasource.username", USER),
                Map.entry("caravan.ledger.spool-dir", "target/test-data/" + SCHEMA),
                Map.entry("caravan.keys[0].name", "shared"),
                Map.entry("caravan.keys[0].key", SHARED_KEY),
                Map.entry("caravan.keys[0].daily-budget", CAP),
                Map.entry("caravan.keys[1].name", "steady"),
                Map.entry("caravan.keys[1].key", STEADY_KEY),
                Map.entry("caravan.keys[1].rpm", 50));
        first = GatewayInstance.start(UPSTREAM, shared);
        second = GatewayInstance.start(UPSTREAM, shared);
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        for (GatewayInstance gateway : new GatewayInstance[] {first, second}) {
            if (gateway != null) {
                gateway.close();
            }
        }
        UPSTREAM.stop();
        if (postgresRuns()) {
            try (Connection c = DriverManager.getConnection(URL, USER, "")) {
                c.createStatement().execute("drop schema if exists " + SCHEMA + " cascade");
            }
        }
    }

    @Test
    void twoHundredConcurrentRequestsOnTwoReplicasNeverSpendPastTheSharedBudget() throws Exception {
        // each reserves about (100 / 3 + 16) tokens' worth and spends 6.02e-6 USD: 33 fit in the cap
        List<HttpResponse<String>> responses = GatewayInstance.concurrently(200, i ->
                (i % 2 == 0 ? first : second).post(CHAT, "{\"model\":\"deepseek-flash\",\"max_tokens\":16,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}", SHARED_KEY));
        JdbcTemplate db = first.bean(JdbcTemplate.class);
        assertThat(LedgerRows.awaitStatuses(db, LedgerRows.requestIds(responses))).hasSize(200);

        long served = responses.stream().filter(r -> r.statusCode() == 200).count();
        assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(200, 429);
        assertThat(responses.stream().filter(r -> r.statusCode() == 429))
                .allMatch(r -> r.body().contains("\"code\":\"insufficient_quota\""));
        Map<String, Object> spend = db.queryForMap("select spent, reserved from key_spend where key_name = 'shared'");
        BigDecimal spent = (BigDecimal) spend.get("spent");
        assertThat((BigDecimal) spend.get("reserved")).as("every reservation settled").isEqualByComparingTo("0");
        assertThat(spent).as("never past the cap").isLessThanOrEqualTo(CAP);
        assertThat(spent).isEqualByComparingTo(new BigDecimal("0.00000585").multiply(BigDecimal.valueOf(served)));
        assertThat(spent).isEqualByComparingTo(db.queryForObject(
                "select sum(cost) from usage_record where key_name = 'shared'", BigDecimal.class));
        assertThat(served).as("both replicas served from the one budget").isGreaterThan(10);
    }

    @Test
    void aRequestsPerMinuteLimitHoldsExactlyAcrossReplicas() throws Exception {
        if (Instant.now().getEpochSecond() % 60 > 50) { // the requests must fall in one minute
            Thread.sleep((61 - Instant.now().getEpochSecond() % 60) * 1000);
        }
        List<HttpResponse<String>> responses = GatewayInstance.concurrently(120, i ->
                (i % 2 == 0 ? first : second).post(CHAT, "{\"model\":\"deepseek-flash\",\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"hi\"}]}", STEADY_KEY));

        assertThat(responses.stream().filter(r -> r.statusCode() == 200).count()).isEqualTo(50);
        assertThat(responses.stream().filter(r -> r.statusCode() == 429)
                .filter(r -> r.body().contains("\"code\":\"rate_limit_exceeded\""))
                .filter(r -> r.headers().firstValue("retry-after").isPresent())).hasSize(70);
    }

    private static boolean postgresRuns() {
        DriverManager.setLoginTimeout(2);
        try (Connection c = DriverManager.getConnection(URL, USER, "")) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }
}
