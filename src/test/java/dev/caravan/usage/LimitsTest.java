package dev.caravan.usage;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import dev.caravan.testing.TestClock;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Key expiry and revocation, and the limits of a key name: {@code capped} (0.0001 USD a day), {@code paced}
 * (3 requests a minute), {@code metered} (1000 tokens a minute).
 */
class LimitsTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";

    /** Each test that counts by the minute gets a minute of its own: one no other test has counted in. */
    private static final AtomicLong MINUTES_USED = new AtomicLong();

    @Autowired
    private JdbcTemplate db;
    @Autowired
    private TestClock clock;

    @AfterEach
    void releaseTheClock() {
        clock.release();
    }

    @Test
    void expiredAndRevokedKeysGet401SayingWhy() {
        assertThat(assertError(post(CHAT, chat("demo"), "sk-test-expired-key"), 401, "invalid_api_key")
                .path("message").asText()).isEqualTo("This API key expired at 2020-01-01T00:00:00Z.");
        assertThat(assertError(post(CHAT, chat("demo"), "sk-test-revoked-key"), 401, "invalid_api_key")
                .path("message").asText()).isEqualTo("This API key has been revoked.");
    }

    @Test
    void requestsOverTheRequestsPerMinuteGet429WithRetryAfter() throws Exception {
        pinToAFreshMinute();
        for (int i = 0; i < 3; i++) {
            assertThat(post(CHAT, chat("deepseek-flash"), PACED_KEY).statusCode()).isEqualTo(200);
        }
        int before = UPSTREAM.received("deepseek").size();

        HttpResponse<String> limited = post(CHAT, chat("deepseek-flash"), PACED_KEY);

        assertThat(assertError(limited, 429, "rate_limit_exceeded").path("message").asText())
                .contains("3 requests per minute");
        long retryAfter = Long.parseLong(limited.headers().firstValue("retry-after").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 60L);
        assertThat(UPSTREAM.received("deepseek")).as("never sent upstream").hasSize(before);
        assertThat(post(CHAT, chat("deepseek-flash")).statusCode()).as("other keys are not limited").isEqualTo(200);
    }

    @Test
    void tokensPerMinuteCountMaxTokensAtAdmissionAndRealUsageOnceSettled() throws Exception {
        pinToAFreshMinute();
        assertThat(assertError(post(CHAT, withMaxTokens(2000), METERED_KEY), 429, "rate_limit_exceeded")
                .path("message").asText()).contains("1000 tokens per minute");

        // each reserves its prompt (about 30) and 300 completion tokens; each settles at 18 (11 + 7)
        long minute = clock.instant().getEpochSecond() / 60;
        long before = tokensIn(minute);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> response = post(CHAT, withMaxTokens(300), METERED_KEY);
            statuses.add(response.statusCode());
            awaitSettled(response);
        }
        assertThat(statuses).as("settled usage frees the minute's tokens").containsOnly(200);
        assertThat(tokensIn(minute) - before).isEqualTo(8 * 18);
    }

    @Test
    void aNegativeMaxTokensCannotLowerTheCounters() throws Exception {
        pinToAFreshMinute();
        // max_tokens below 1 gets 400 at the front door; max_completion_tokens is the provider's to judge
        assertThat(post(CHAT, withMaxTokens(-1_000_000_000), METERED_KEY).statusCode()).isEqualTo(400);
        HttpResponse<String> negative = post(CHAT, withMaxTokens(-1_000_000_000).replace("max_tokens",
                "max_completion_tokens"), METERED_KEY);
        assertThat(negative.statusCode()).isEqualTo(200);
        awaitSettled(negative);

        assertThat(tokensIn(clock.instant().getEpochSecond() / 60)).isNotNegative();
        assertThat(post(CHAT, withMaxTokens(2000), METERED_KEY).statusCode()).as("the limit still holds")
                .isEqualTo(429);
    }

    @Test
    void aSpentDailyBudgetGets429InsufficientQuotaAndSpendEqualsTheLedger() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> last = null;
        // 6.02e-6 USD a request; each reserves its prompt and 16 completion tokens first
        for (int i = 0; i < 30 && (last == null || last.statusCode() == 200); i++) {
            last = post(CHAT, withMaxTokens(16), CAPPED_KEY);
            statuses.add(last.statusCode());
            awaitSettled(last);
        }
        assertThat(assertError(last, 429, "insufficient_quota").path("message").asText())
                .contains("daily budget of 'capped' (0.0001 USD)");
        assertThat(Long.parseLong(last.headers().firstValue("retry-after").orElseThrow()))
                .as("until the next UTC day").isBetween(1L, 86_400L);
        assertThat(statuses.subList(0, statuses.size() - 1)).hasSizeGreaterThan(10).containsOnly(200);

        BigDecimal spent = db.queryForObject("select spent from key_spend where key_name = 'capped' and period like 'day:%'",
                BigDecimal.class);
        BigDecimal ledger = db.queryForObject("select sum(cost) from usage_record where key_name = 'capped'",
                BigDecimal.class);
        assertThat(spent).isEqualByComparingTo(ledger).isLessThanOrEqualTo(new BigDecimal("0.0001"));
        assertThat(spent).isEqualByComparingTo(new BigDecimal("0.00000585").multiply(
                BigDecimal.valueOf(statuses.size() - 1)));

        String metrics = get("/metrics", ADMIN_KEY).body();
        double remaining = Double.parseDouble(metrics.lines()
                .filter(l -> l.startsWith("caravan_budget_remaining{key=\"capped\",period=\"day\"}"))
                .findFirst().orElseThrow().split(" ")[1]);
        assertThat(remaining).isCloseTo(0.0001 - spent.doubleValue(), org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void rateCountersOfPastHoursArePruned(@Autowired SpendLimits limits) {
        long now = Instant.now().getEpochSecond() / 60;
        db.update("insert into key_rate (key_name, epoch_minute, requests, tokens) values ('pruned', ?, 1, 1), "
                + "('pruned', ?, 1, 1)", now - 61, now - 59);

        limits.pruneRateCounters();

        assertThat(db.queryForList("select epoch_minute from key_rate where key_name = 'pruned'", Long.class))
                .containsExactly(now - 59);
    }

    /** The tokens key name {@code metered} has used in the minute. */
    private long tokensIn(long minute) {
        return db.queryForObject("select coalesce(sum(tokens), 0) from key_rate where key_name = 'metered' "
                + "and epoch_minute = ?", Long.class, minute);
    }

    /** Waits until the request is in the ledger: its reservation is settled in the same transaction. */
    private void awaitSettled(HttpResponse<String> response) throws InterruptedException {
        assertThat(LedgerRows.awaitStatuses(db, LedgerRows.requestIds(List.of(response)))).hasSize(1);
    }

    /**
     * Rate limits count fixed minutes: a test of them must not straddle two, nor share one with another test. The
     * clock stops at the start of a minute of yesterday that no test used (tests on the real clock count today's).
     */
    private void pinToAFreshMinute() {
        long yesterday = Instant.now().minus(Duration.ofDays(1)).getEpochSecond() / 60;
        clock.pin(Instant.ofEpochSecond((yesterday + MINUTES_USED.incrementAndGet()) * 60));
    }

    private static String withMaxTokens(int maxTokens) {
        return "{\"model\":\"deepseek-flash\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
    }

}
