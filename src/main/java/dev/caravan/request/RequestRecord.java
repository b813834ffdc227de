package dev.caravan.request;

import dev.caravan.openai.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * One request once it is answered (a stream once it ended): what the request log writes, and what a usage
 * ledger keeps. Fields a request never reached are {@code null} (no provider for a 401, no usage for an
 * error).
 *
 * @param cost        in {@code costCurrency}; {@code null} when unknown (unpriced model, no usage)
 * @param reservation what the request reserved against its key's limits, settled once it is in the ledger
 * @param droppedTools built-in tools of a translated request that no provider could run, left out; else {@code null}
 */
public record RequestRecord(String requestId, Instant time, String method, String path, int status, String key,
                            String model, String provider, String upstreamModel, List<Attempt> attempts,
                            Integer fallbacks, Boolean accepted, String error, Usage usage, boolean stream,
                            boolean clientGone, Long ttftMillis, long durationMillis, BigDecimal cost,
                            String costCurrency, Reservation reservation, String droppedTools) {

    public RequestRecord withCost(BigDecimal amount, String currency) {
        return new RequestRecord(requestId, time, method, path, status, key, model, provider, upstreamModel, attempts,
                fallbacks, accepted, error, usage, stream, clientGone, ttftMillis, durationMillis, amount, currency,
                reservation, droppedTools);
    }
}
