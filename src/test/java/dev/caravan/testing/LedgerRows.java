package dev.caravan.testing;

import java.net.http.HttpResponse;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/** Reads the usage ledger of a gateway under test. */
public final class LedgerRows {

    private LedgerRows() {
    }

    public static List<String> requestIds(List<HttpResponse<String>> responses) {
        return responses.stream().map(r -> r.headers().firstValue("x-request-id").orElseThrow()).toList();
    }

    /** The status each response had, by request id. */
    public static Map<String, Integer> statuses(List<HttpResponse<String>> responses) {
        return responses.stream().collect(Collectors.toMap(r -> r.headers().firstValue("x-request-id").orElseThrow(),
                HttpResponse::statusCode));
    }

    /**
     * The ledger's status by request id, once all of {@code ids} are in it, or what is there after 30 s: rows
     * are written in the background, after the response.
     */
    public static Map<String, Integer> awaitStatuses(JdbcTemplate db, Collection<String> ids)
            throws InterruptedException {
        String in = ids.stream().map(id -> "'" + id.replace("'", "") + "'").collect(Collectors.joining(","));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Map<String, Integer> rows = new HashMap<>();
            try {
                db.query("select request_id, status from usage_record where request_id in (" + in + ")",
                        rs -> {
                            rows.put(rs.getString(1), rs.getInt(2));
                        });
            } catch (DataAccessException e) {
                // a database that was just restarted: the pool drops the connection it had
                rows.clear();
            }
            if (rows.size() >= ids.size() || System.nanoTime() > deadline) {
                return rows;
            }
            Thread.sleep(50);
        }
    }
}
