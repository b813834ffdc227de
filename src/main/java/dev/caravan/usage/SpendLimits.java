package dev.caravan.usage;

import dev.caravan.auth.ApiKeys;
import dev.caravan.metrics.GatewayMetrics;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.openai.Usage;
import dev.caravan.pricing.PriceBook;
import dev.caravan.request.GatewayKey;
import dev.caravan.request.GatewayRequest;
import dev.caravan.request.Reservation;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.DependsOn;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Per key name: daily and monthly spend caps, requests and tokens per minute. A request reserves its
 * estimated cost and tokens before its upstream call, in one transaction of conditional updates on shared
 * rows ({@code key_spend}, {@code key_rate}), so concurrent requests, on any number of replicas sharing the
 * database, cannot take more than the cap; the ledger settles the reservation from the real usage.
 * Periods are UTC days and months, and fixed minutes.
 */
@Component("spendLimits")
@DependsOn(UsageSchema.NAME)
public class SpendLimits {

    /** Tokens a single request is estimated at, at most: far past any model, far below overflow. */
    private static final long MAX_ESTIMATE = 1_000_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(SpendLimits.class);

    private final JdbcTemplate jdbc;
    private final PriceBook prices;
    private final long defaultMaxTokens;
    private final Clock clock;
    /** Longest wait for a pooled connection when reserving (the pool's own wait is for the ledger). */
    private final Duration databaseWait;
    /** Longest time a reservation's statements and commit may take. */
    private final Duration databaseTimeout;
    /** How long after a failure reservations fail at once, before one tries the database again. */
    private final Duration databaseRetry;
    /** Until when (System.nanoTime()) reservations fail at once; {@code null} while the database answers. */
    private final AtomicReference<Long> awayUntil = new AtomicReference<>();
    /** Set while one reservation tries whether the database is back; the others fail at once meanwhile. */
    private final AtomicBoolean probing = new AtomicBoolean();

    @Autowired
    SpendLimits(JdbcTemplate jdbc, PriceBook prices,
                @Value("${caravan.limits.default-max-tokens:4096}") long defaultMaxTokens, ApiKeys keys,
                GatewayMetrics metrics, @Qualifier("caravanClock") Clock clock,
                @Value("${caravan.limits.database-wait:1s}") Duration databaseWait,
                @Value("${caravan.limits.database-timeout:2s}") Duration databaseTimeout,
                @Value("${caravan.limits.database-retry:1s}") Duration databaseRetry) {
        this(jdbc, prices, defaultMaxTokens, clock, databaseWait, databaseTimeout, databaseRetry);
        meterBudgets(metrics, keys.limitsByName());
        keys.onLimitsChanged(limits -> meterBudgets(metrics, limits));
    }

    /** A gauge per key name and budget; one whose budget a reload removed reads NaN. */
    private void meterBudgets(GatewayMetrics metrics, Map<String, GatewayKey.Limits> limits) {
        budgets = limits;
        limits.forEach((name, limit) -> {
            for (boolean monthly : new boolean[] {false, true}) {
                if ((monthly ? limit.monthlyBudget() : limit.dailyBudget()) != null) {
                    metrics.gauge("caravan.budget.remaining", "Budget left in the current period, in the report "
                            + "currency", this, self -> self.remaining(name, monthly), "key", name, "period",
                            monthly ? "month" : "day");
                }
            }
        });
    }

    private double remaining(String keyName, boolean monthly) {
        GatewayKey.Limits limit = budgets.get(keyName);
        BigDecimal cap = limit == null ? null : monthly ? limit.monthlyBudget() : limit.dailyBudget();
        return cap == null ? Double.NaN : remaining(keyName, monthly, cap);
    }

    /** The budgets the gauges read, by key name. */
    private volatile Map<String, GatewayKey.Limits> budgets = Map.of();

    SpendLimits(JdbcTemplate jdbc, PriceBook prices, long defaultMaxTokens, Clock clock, Duration databaseWait,
                Duration databaseTimeout, Duration databaseRetry) {
        this.jdbc = jdbc;
        this.prices = prices;
        this.defaultMaxTokens = defaultMaxTokens;
        this.clock = clock;
        this.databaseWait = databaseWait;
        this.databaseTimeout = databaseTimeout;
        this.databaseRetry = databaseRetry;
    }

    /**
     * Route step, once the model is resolved: reserves the request's estimate against its key's limits, or
     * answers 429 ({@code rate_limit_exceeded}, {@code insufficient_quota}) with a {@code Retry-After}.
     * The estimate is the prompt at three bytes a token and the completion at its {@code max_tokens}
     * ({@code caravan.limits.default-max-tokens} without one) per choice, at the resolved model's price.
     * While the usage database is away it answers 503 {@code limits_unavailable} at once: a connection is
     * waited for {@code caravan.limits.database-wait} at most, the reservation takes
     * {@code caravan.limits.database-timeout} at most, and after a failure the next reservations fail without
     * trying for {@code caravan.limits.database-retry}, then one tries while the others still fail.
     */
    public void reserve(Exchange exchange) throws InvalidPayloadException {
        GatewayRequest state = GatewayRequest.of(exchange);
        GatewayKey key = state.key();
        GatewayKey.Limits limits = key.limits();
        if (!limits.any()) {
            return;
        }
        OpenAiRequest request = exchange.getMessage().getMandatoryBody(OpenAiRequest.class);
        long prompt = promptTokens(request);
        // client values: never negative (that would lower the counters), never past what a counter holds
        long maxTokens = Math.min(MAX_ESTIMATE, Math.max(0, request.maxTokens().orElse(defaultMaxTokens)));
        long completion = request.operation() == OpenAiRequest.Operation.EMBEDDINGS ? 0
                : Math.min(MAX_ESTIMATE, maxTokens * Math.min(MAX_ESTIMATE, Math.max(1, request.choices())));
        Instant now = clock.instant();
        BigDecimal cost = prices.cost(state.provider(), state.upstreamModel(),
                new Usage(prompt, completion, 0, 0, true), now).orElse(BigDecimal.ZERO);
        LocalDate today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        Reservation reservation = new Reservation(key.name(),
                limits.rpm() != null || limits.tpm() != null ? now.getEpochSecond() / 60 : null,
                limits.dailyBudget() != null ? "day:" + today : null,
                limits.monthlyBudget() != null ? "month:" + YearMonth.from(today) : null,
                cost, prompt + completion);
        if (!mayTry()) {
            throw limitsUnavailable();
        }
        try {
            JdbcTransaction.run(jdbc.getDataSource(), databaseWait, databaseTimeout, () -> {
                hold(reservation, limits, now, today);
                return null;
            });
        } catch (SQLException | DataAccessException e) {
            if (e instanceof ConcurrencyFailureException) { // a deadlock or lock wait: the database answers
                answered();
            } else {
                away(e);
            }
            throw limitsUnavailable();
        } catch (RuntimeException | Error e) { // a limit reached (429), or a fault of the gateway's own
            answered();
            throw e;
        }
        answered();
        state.reservation(reservation);
    }

    private GatewayException limitsUnavailable() {
        return new GatewayException(new OpenAiError(503, "Spend limits cannot be checked: the usage database "
                + "is unavailable.", "server_error", null, "limits_unavailable"),
                Math.max(1, databaseRetry.toSeconds()));
    }

    /** Whether a reservation may use the database: it answers, or this one is the one to try it again. */
    private boolean mayTry() {
        Long until = awayUntil.get();
        return until == null || System.nanoTime() - until >= 0 && probing.compareAndSet(false, true);
    }

    /** The database answered (a limit reached included): reservations use it again. */
    private void answered() {
        if (awayUntil.getAndSet(null) != null) {
            LOG.info("The usage database answers again: keys with limits are served");
        }
        probing.set(false);
    }

    /** The database failed: reservations fail at once for {@code databaseRetry}. One line, no stack trace. */
    private void away(Exception e) {
        if (awayUntil.getAndSet(System.nanoTime() + databaseRetry.toNanos()) == null) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            LOG.warn("The usage database is unavailable ({}): keys with limits get 503 limits_unavailable until "
                    + "it answers; tried again every {} ms", cause.getMessage() == null
                    ? cause.getClass().getSimpleName() : cause.getMessage().lines().findFirst().orElse(""),
                    databaseRetry.toMillis());
        }
        probing.set(false);
    }

    /**
     * The prompt's tokens as limits reserve them: three bytes of the chat completion request a token, an
     * over-estimate for every tokenizer (also what Anthropic's {@code count_tokens} answers).
     */
    public static long promptTokens(OpenAiRequest request) {
        return (request.raw().length + 2) / 3;
    }

    private void hold(Reservation r, GatewayKey.Limits limits, Instant now, LocalDate today) {
        if (r.minute() != null) {
            long nextMinute = 60 - now.getEpochSecond() % 60;
            jdbc.update("insert into key_rate (key_name, epoch_minute, requests, tokens) values (?, ?, 0, 0) "
                    + "on conflict do nothing", r.keyName(), r.minute());
            // the minute's tokens always take the reservation, capped or not: settle() gives it back, and a
            // reservation given back without being taken would drift the counter below zero
            if (limits.rpm() != null && jdbc.update("update key_rate set requests = requests + 1"
                    + (limits.tpm() == null ? ", tokens = tokens + ?" : "")
                    + " where key_name = ? and epoch_minute = ? and requests < ?",
                    limits.tpm() == null ? new Object[] {r.tokens(), r.keyName(), r.minute(), limits.rpm()}
                            : new Object[] {r.keyName(), r.minute(), limits.rpm()}) == 0) {
                throw rateLimited("Rate limit reached for '" + r.keyName() + "': " + limits.rpm()
                        + " requests per minute.", nextMinute);
            }
            if (limits.tpm() != null && jdbc.update("update key_rate set tokens = tokens + ? "
                    + "where key_name = ? and epoch_minute = ? and tokens + ? <= ?",
                    r.tokens(), r.keyName(), r.minute(), r.tokens(), limits.tpm()) == 0) {
                throw rateLimited("Rate limit reached for '" + r.keyName() + "': " + limits.tpm() + " tokens per "
                        + "minute; this request may use " + r.tokens() + " (its prompt and max_tokens).", nextMinute);
            }
        }
        if (r.day() != null) {
            holdSpend(r, r.day(), limits.dailyBudget(), "daily", Duration.between(now,
                    today.plusDays(1).atStartOfDay(ZoneOffset.UTC)));
        }
        if (r.month() != null) {
            holdSpend(r, r.month(), limits.monthlyBudget(), "monthly", Duration.between(now,
                    today.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC)));
        }
    }

    private void holdSpend(Reservation r, String period, BigDecimal cap, String name, Duration untilNextPeriod) {
        jdbc.update("insert into key_spend (key_name, period, spent, reserved) values (?, ?, 0, 0) "
                + "on conflict do nothing", r.keyName(), period);
        if (jdbc.update("update key_spend set reserved = reserved + ? "
                + "where key_name = ? and period = ? and spent + reserved + ? <= ?",
                r.cost(), r.keyName(), period, r.cost(), cap) == 0) {
            throw new GatewayException(new OpenAiError(429, "The " + name + " budget of '" + r.keyName() + "' ("
                    + cap.toPlainString() + " " + prices.reportCurrency() + ") is spent, or would be by this request "
                    + "and those in flight.", "insufficient_quota", null, "insufficient_quota"),
                    Math.max(1, untilNextPeriod.toSeconds()));
        }
    }

    private static GatewayException rateLimited(String message, long retryAfterSeconds) {
        return new GatewayException(new OpenAiError(429, message, "rate_limit_error", null, "rate_limit_exceeded"),
                retryAfterSeconds);
    }

    /**
     * Releases the reservations of rows just written to the ledger and counts what they really used, inside
     * the ledger's transaction: a row is settled exactly once. Counters are updated in the order
     * reservations lock them (key name; its minute, day, month), so the two never deadlock.
     */
    void settle(Collection<LedgerRow> rows) {
        Map<Counter, Delta> deltas = new TreeMap<>(Counter.LOCK_ORDER);
        for (LedgerRow row : rows) {
            Reservation r = row.reservation();
            if (r == null) {
                continue;
            }
            BigDecimal spent = row.cost() != null ? row.cost() : BigDecimal.ZERO;
            if (r.minute() != null) {
                deltas.computeIfAbsent(new Counter(r.keyName(), 0, String.format("%020d", r.minute())), c -> new Delta())
                        .tokens += row.tokens() - r.tokens();
            }
            if (r.day() != null) {
                deltas.computeIfAbsent(new Counter(r.keyName(), 1, r.day()), c -> new Delta()).add(spent, r.cost());
            }
            if (r.month() != null) {
                deltas.computeIfAbsent(new Counter(r.keyName(), 2, r.month()), c -> new Delta()).add(spent, r.cost());
            }
        }
        deltas.forEach((counter, delta) -> {
            if (counter.kind() == 0) {
                jdbc.update("update key_rate set tokens = tokens + ? where key_name = ? and epoch_minute = ?",
                        delta.tokens, counter.keyName(), Long.parseLong(counter.period()));
            } else {
                jdbc.update("update key_spend set spent = spent + ?, reserved = reserved - ? "
                        + "where key_name = ? and period = ?", delta.spent, delta.reserved, counter.keyName(),
                        counter.period());
            }
        });
    }

    /** Drops rate counters of minutes more than an hour past: nothing reads or settles them any more. */
    void pruneRateCounters() {
        jdbc.update("delete from key_rate where epoch_minute < ?", clock.instant().getEpochSecond() / 60 - 60);
    }

    /** A counter row: {@code kind} 0 is a minute of {@code key_rate}, 1 a day and 2 a month of {@code key_spend}. */
    private record Counter(String keyName, int kind, String period) {
        static final Comparator<Counter> LOCK_ORDER = Comparator.comparing(Counter::keyName)
                .thenComparingInt(Counter::kind).thenComparing(Counter::period);
    }

    private static final class Delta {
        private BigDecimal spent = BigDecimal.ZERO;
        private BigDecimal reserved = BigDecimal.ZERO;
        private long tokens;

        void add(BigDecimal spentAmount, BigDecimal reservedAmount) {
            spent = spent.add(spentAmount);
            reserved = reserved.add(reservedAmount);
        }
    }

    /**
     * What is left of a key name's budget for the current day or month: cap minus spent and reserved; NaN
     * while the database is away.
     */
    double remaining(String keyName, boolean monthly, BigDecimal cap) {
        LocalDate today = clock.instant().atOffset(ZoneOffset.UTC).toLocalDate();
        String period = monthly ? "month:" + YearMonth.from(today) : "day:" + today;
        try {
            BigDecimal used = jdbc.query("select spent + reserved from key_spend where key_name = ? and period = ?",
                    rs -> rs.next() ? rs.getBigDecimal(1) : BigDecimal.ZERO, keyName, period);
            return cap.subtract(used).doubleValue();
        } catch (DataAccessException e) {
            return Double.NaN;
        }
    }
}
