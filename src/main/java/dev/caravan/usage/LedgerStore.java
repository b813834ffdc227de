package dev.caravan.usage;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.context.annotation.DependsOn;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * Writes ledger rows, their failed provider calls and the settlement of their reservations in one transaction. A row
 * already in the ledger (same id) is skipped with its settlement, so a batch written
 * twice, say from the spool after a commit whose answer was lost, counts once.
 */
@Component
@DependsOn(UsageSchema.NAME)
class LedgerStore {

    private static final String INSERT_RECORD = "insert into usage_record (id, request_id, at, utc_day, key_name, method, "
            + "path, model, provider, upstream_model, status, error, prompt_tokens, completion_tokens, cached_tokens, "
            + "reasoning_tokens, tokens_estimated, cost, currency, latency_ms, ttft_ms, attempts, fallbacks, accepted, "
            + "stream) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "on conflict do nothing";
    private static final String INSERT_FAILED_CALL = "insert into failed_call (record_id, seq, provider, "
            + "upstream_model, outcome, millis) values (?, ?, ?, ?, ?, ?)";

    private final JdbcTemplate jdbc;
    private final SpendLimits limits;

    LedgerStore(JdbcTemplate jdbc, SpendLimits limits) {
        this.jdbc = jdbc;
        this.limits = limits;
    }

    /** @return how many of the rows were new */
    int write(List<LedgerRow> rows) {
        try {
            return JdbcTransaction.run(jdbc.getDataSource(), null, null, () -> insert(rows));
        } catch (SQLException e) {
            throw new DataAccessResourceFailureException("Cannot write usage records: " + e.getMessage(), e);
        }
    }

    private int insert(List<LedgerRow> rows) {
        // the rows already in, asked for rather than read from update counts: drivers may not report them
        // (PostgreSQL's reWriteBatchedInserts); a row is only ever written by the replica that made it
        Set<String> present = new HashSet<>(jdbc.queryForList("select id from usage_record where id in ("
                + String.join(",", Collections.nCopies(rows.size(), "?")) + ")", String.class,
                rows.stream().map(LedgerRow::id).toArray()));
        List<LedgerRow> fresh = rows.stream().filter(row -> !present.contains(row.id())).toList();
        jdbc.batchUpdate(INSERT_RECORD, fresh, Math.max(1, fresh.size()), LedgerStore::setRecord);
        List<Object[]> failedCalls = new ArrayList<>();
        for (LedgerRow row : fresh) {
            for (int seq = 0; seq < row.attempts().size(); seq++) {
                LedgerRow.AttemptRow a = row.attempts().get(seq);
                if (!a.outcome().equals("200")) { // most requests have one call, which answered: no row
                    failedCalls.add(new Object[] {row.id(), seq, LedgerRow.cut(a.provider(), 100),
                            LedgerRow.cut(a.upstreamModel(), 300), LedgerRow.cut(a.outcome(), 100), a.millis()});
                }
            }
        }
        if (!failedCalls.isEmpty()) {
            jdbc.batchUpdate(INSERT_FAILED_CALL, failedCalls);
        }
        limits.settle(fresh);
        return fresh.size();
    }

    /**
     * The row's values, made storable again (cut to the columns' widths, no NUL): a row spooled by an earlier
     * version may not be.
     */
    private static void setRecord(PreparedStatement ps, LedgerRow row) throws SQLException {
        int i = 0;
        ps.setString(++i, row.id());
        ps.setString(++i, LedgerRow.cut(row.requestId(), 128));
        ps.setObject(++i, OffsetDateTime.ofInstant(Instant.ofEpochMilli(row.at()), ZoneOffset.UTC));
        ps.setString(++i, row.day());
        ps.setString(++i, LedgerRow.cut(row.keyName(), 200));
        ps.setString(++i, LedgerRow.cut(row.method(), 16));
        ps.setString(++i, LedgerRow.cut(row.path(), 500));
        ps.setString(++i, LedgerRow.cut(row.model(), 300));
        ps.setString(++i, LedgerRow.cut(row.provider(), 100));
        ps.setString(++i, LedgerRow.cut(row.upstreamModel(), 300));
        ps.setInt(++i, row.status());
        ps.setString(++i, LedgerRow.cut(row.error(), 100));
        setLong(ps, ++i, row.promptTokens());
        setLong(ps, ++i, row.completionTokens());
        setLong(ps, ++i, row.cachedTokens());
        setLong(ps, ++i, row.reasoningTokens());
        ps.setBoolean(++i, row.tokensEstimated());
        ps.setBigDecimal(++i, row.cost());
        ps.setString(++i, row.currency());
        ps.setLong(++i, row.latencyMs());
        setLong(ps, ++i, row.ttftMs());
        ps.setInt(++i, row.attempts().size());
        ps.setInt(++i, row.fallbacks());
        ps.setBoolean(++i, row.accepted());
        ps.setBoolean(++i, row.stream());
    }

    private static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }
}
