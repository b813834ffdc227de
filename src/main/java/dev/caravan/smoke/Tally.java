package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.openai.Usage;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Optional;

/** A check's calls: their latency, tokens and cost, summed, and its result. */
final class Tally {

    private final SmokeSession session;
    private final Check check;
    private final SmokeRunner.Target target;
    private long millis;
    private long promptTokens;
    private long completionTokens;
    private BigDecimal cost = BigDecimal.ZERO;
    private Long ttft;

    Tally(SmokeSession session, Check check, SmokeRunner.Target target) {
        this.session = session;
        this.check = check;
        this.target = target;
    }

    /** Sends a chat completion to the gateway and counts it. */
    ChatAnswer send(JsonNode body) throws IOException, InterruptedException {
        long started = System.nanoTime();
        HttpResponse<String> response = session.http().send(session.post(body), HttpResponse.BodyHandlers.ofString());
        JsonNode json = SmokeJson.jsonOrNull(response.body());
        record(started, json == null ? null : json.get("usage"));
        return new ChatAnswer(response.statusCode(), response.body(), json,
                response.headers().firstValue("x-caravan-provider").orElse(null), target.provider());
    }

    /** Counts a call that started at {@code startedNanos} and reported {@code usage} (may be {@code null}). */
    void record(long startedNanos, JsonNode usage) {
        millis += (System.nanoTime() - startedNanos) / 1_000_000;
        if (usage != null && usage.isObject()) {
            Usage used = Usage.of(usage);
            promptTokens += used.promptTokens();
            completionTokens += used.completionTokens();
            Optional<BigDecimal> priced = session.prices().cost(target.provider(), target.upstreamModel(), used,
                    Instant.now());
            cost = cost == null || priced.isEmpty() ? null : cost.add(priced.get());
        }
    }

    /** The check's whole time, when its calls overlap (agents' turns). */
    void millis(long millis) {
        this.millis = millis;
    }

    void ttft(Long ttftMillis) {
        this.ttft = ttftMillis;
    }

    CheckResult pass(String detail) {
        return new CheckResult(check, CheckResult.Outcome.PASS, millis, ttft, promptTokens, completionTokens, cost,
                detail, null);
    }

    CheckResult fail(String detail, String body) {
        return new CheckResult(check, CheckResult.Outcome.FAIL, millis, ttft, promptTokens, completionTokens, cost,
                detail, body);
    }
}
