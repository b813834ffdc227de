package dev.caravan.usage;

import dev.caravan.openai.ClientText;
import dev.caravan.openai.Usage;
import dev.caravan.request.Attempt;
import dev.caravan.request.ClientRequest;
import dev.caravan.request.RequestRecord;
import dev.caravan.request.Reservation;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * A {@link RequestRecord} as the ledger stores it, and as it is spooled to disk (JSON) while the
 * database is away: the fields of table {@code usage_record}, its attempts and its reservation.
 *
 * @param id the row's key, given once when the request is done, so a row written twice is one row
 * @param at epoch milliseconds
 */
record LedgerRow(String id, String requestId, long at, String keyName, String method, String path, String model,
                 String provider, String upstreamModel, int status, String error, Long promptTokens,
                 Long completionTokens, Long cachedTokens, Long reasoningTokens, boolean tokensEstimated,
                 BigDecimal cost, String currency, long latencyMs, Long ttftMs, List<AttemptRow> attempts,
                 int fallbacks, boolean accepted, boolean stream, Reservation reservation) {

    /** One provider call; {@code outcome} is the provider's HTTP status, or the gateway's error code. */
    record AttemptRow(String provider, String upstreamModel, String outcome, long millis) {
    }

    static LedgerRow of(RequestRecord r) {
        Usage u = r.usage();
        // cut to the columns' widths, without NUL: the path and model come from clients, and one row the
        // database refuses must not hold up the others
        return new LedgerRow(ClientRequest.newId(), cut(r.requestId(), 128), r.time().toEpochMilli(), cut(r.key(), 200),
                cut(r.method(), 16), cut(r.path(), 500), cut(r.model(), 300), cut(r.provider(), 100),
                cut(r.upstreamModel(), 300), r.status(), cut(r.error(), 100),
                u == null ? null : u.promptTokens(), u == null ? null : u.completionTokens(),
                u == null ? null : u.cachedTokens(), u == null ? null : u.reasoningTokens(), u != null && u.estimated(),
                r.cost(), r.costCurrency(), r.durationMillis(), r.ttftMillis(),
                r.attempts().stream().map(LedgerRow::attempt).toList(),
                r.fallbacks() == null ? 0 : r.fallbacks(), accepted(r), r.stream(), r.reservation());
    }

    /**
     * Whether the client got a full answer it can use: answered by a provider, not failed or cut short,
     * and not rejected by validation.
     */
    private static boolean accepted(RequestRecord r) {
        return r.provider() != null && r.status() < 400 && r.error() == null && !r.clientGone()
                && !Boolean.FALSE.equals(r.accepted());
    }

    private static AttemptRow attempt(Attempt a) {
        return new AttemptRow(cut(a.provider(), 100), cut(a.upstreamModel(), 300), cut(a.outcome(), 100), a.millis());
    }

    /** The text as a column of {@code length} characters takes it (see {@link ClientText#storable}). */
    static String cut(String text, int length) {
        return ClientText.storable(text, length);
    }

    /** The UTC day, as reports group by it. */
    String day() {
        return Instant.ofEpochMilli(at).atOffset(ZoneOffset.UTC).toLocalDate().toString();
    }

    /** Prompt and completion tokens, as rate limits count them. */
    long tokens() {
        return (promptTokens == null ? 0 : promptTokens) + (completionTokens == null ? 0 : completionTokens);
    }
}
