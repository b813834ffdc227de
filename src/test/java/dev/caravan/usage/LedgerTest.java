package dev.caravan.usage;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayInstance;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** The usage ledger as the shared gateway writes it (an H2 file), and the report read from it. */
class LedgerTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";

    @Autowired
    private JdbcTemplate db;

    @Test
    void everyRequestServedUnderConcurrentFaultsIsOneRowWithTheStatusTheClientSaw() throws Exception {
        // few enough that the providers' breakers stay closed (50 % of the first 10 calls would open them)
        for (int i = 0; i < 4; i++) {
            UPSTREAM.enqueue("deepseek", Answer.json(503, "{\"error\":{\"message\":\"busy\"}}"));
            UPSTREAM.enqueue("openai", Answer.connectionClosed());
        }
        List<HttpResponse<String>> responses = GatewayInstance.concurrently(200, i -> switch (i % 5) {
            case 0 -> request(chat("deepseek-flash"), CLIENT_KEY);
            case 1 -> request("{\"model\":\"deepseek-flash\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"hi\"}]}", CLIENT_KEY);
            case 2 -> request(chat("openai/gpt-4o-mini"), CLIENT_KEY);
            case 3 -> request(chat("no-such-model"), CLIENT_KEY);
            default -> request(chat("deepseek-flash"), "sk-wrong-key");
        });
        Map<String, Integer> served = LedgerRows.statuses(responses);
        assertThat(served).hasSize(200);
        assertThat(served.values()).contains(200, 404, 401);

        assertThat(LedgerRows.awaitStatuses(db, served.keySet())).isEqualTo(served);
        Long tokens = db.queryForObject("select sum(prompt_tokens + completion_tokens) from usage_record "
                + "where request_id in (" + String.join(",", served.keySet().stream().map(id -> "'" + id + "'")
                .toList()) + ") and status = 200", Long.class);
        long answered = responses.stream().filter(r -> r.statusCode() == 200).count();
        long streams = responses.stream().filter(r -> r.statusCode() == 200 && r.body().startsWith("data:")).count();
        // the fake provider's usage: 11 + 7 a completion, 9 + 4 a stream
        assertThat(tokens).isEqualTo((answered - streams) * 18 + streams * 13);
    }

    @Test
    void theUsageReportGroupsRequestsTokensAndTheCostOfEveryAttempt() throws Exception {
        Instant from = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        assertThat(post(CHAT, chat("deepseek-flash")).statusCode()).isEqualTo(200);
        failEveryAttempt("deepseek", Answer.json(503, "{\"error\":{\"message\":\"busy\"}}"));
        assertThat(post(CHAT, chat("deepseek-flash")).statusCode()).isEqualTo(503);
        // an answer the validating provider rejects is paid for: 10 + 10 tokens at 1000 USD per million
        UPSTREAM.enqueue("strict", Answer.json(200, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"not json\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":10,\"total_tokens\":20}}"));
        HttpResponse<String> mended = post(CHAT, "{\"model\":\"strict-model\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"json\"}],\"response_format\":{\"type\":\"json_object\"}}");
        assertThat(mended.headers().firstValue("x-caravan-provider")).hasValue("qwen");
        LedgerRows.awaitStatuses(db, LedgerRows.requestIds(List.of(mended)));
        Thread.sleep(100);
        String range = "from=" + from + "&to=" + Instant.now();

        JsonNode report = json(get("/admin/usage?group_by=model&" + range, ADMIN_KEY));
        assertThat(report.path("currency").asText()).isEqualTo("USD");
        JsonNode deepseek = group(report, "deepseek-flash");
        assertThat(deepseek.path("requests").asLong()).isEqualTo(2);
        assertThat(deepseek.path("accepted").asLong()).isEqualTo(1);
        assertThat(deepseek.path("errors").asLong()).isEqualTo(1);
        assertThat(deepseek.path("prompt_tokens").asLong()).isEqualTo(11);
        // 11 prompt tokens at 0.15 and 7 completion tokens at 0.60 USD per million
        assertThat(deepseek.path("cost").decimalValue()).isEqualByComparingTo("0.00000585");
        assertThat(deepseek.path("cost_per_accepted_response").decimalValue()).isEqualByComparingTo("0.00000585");
        JsonNode strict = group(report, "strict-model");
        // 0.02 USD for the rejected answer, and qwen-plus's 11 + 7 tokens at 0.8 and 2 CNY per million
        BigDecimal qwen = new BigDecimal("0.0000228").divide(new BigDecimal("7.1"), java.math.MathContext.DECIMAL64);
        assertThat(strict.path("accepted").asLong()).isEqualTo(1);
        assertThat(strict.path("cost").decimalValue()).isCloseTo(new BigDecimal("0.02").add(qwen),
                org.assertj.core.data.Offset.offset(new BigDecimal("1e-12")));
        assertThat(report.path("errors_by_provider").path("deepseek").path("503").asLong()).isEqualTo(ATTEMPTS);
        assertThat(report.path("errors_by_provider").path("strict").path("invalid_upstream_response").asLong()).as(report.path("errors_by_provider").toString()).isEqualTo(1);

        HttpResponse<String> csv = send(HttpRequest.newBuilder(uri("/admin/usage?group_by=provider&" + range))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Accept", "text/csv").GET());
        assertThat(csv.headers().firstValue("content-type").orElseThrow()).startsWith("text/csv");
        assertThat(csv.body().lines().toList()).first().isEqualTo("group,requests,accepted,errors,prompt_tokens,"
                + "completion_tokens,cached_tokens,reasoning_tokens,cost,unpriced_requests,cost_per_accepted_response");
        assertThat(csv.body()).contains("\r\ndeepseek,2,1,1,11,7,0,0,0.00000585,0,0.00000585\r\n");
    }

    @Test
    void aRequestWithValuesWiderThanTheLedgerColumnsIsRecordedAndHoldsUpNoOther() throws Exception {
        String longPath = "/v1/" + "x".repeat(600);
        HttpResponse<String> odd = get(longPath, CLIENT_KEY);
        HttpResponse<String> next = post(CHAT, chat("deepseek-flash"));
        assertThat(odd.statusCode()).isEqualTo(404);

        assertThat(LedgerRows.awaitStatuses(db, LedgerRows.requestIds(List.of(odd, next)))).hasSize(2);
        assertThat(db.queryForObject("select path from usage_record where request_id = ?", String.class,
                odd.headers().firstValue("x-request-id").orElseThrow())).isEqualTo(longPath.substring(0, 500));
    }

    @Test
    void theReportRefusesWhatItCannotReadAndOnlyOpensToTheAdminKey() {
        assertError(get("/admin/usage?group_by=colour", ADMIN_KEY), 400, "invalid_value");
        assertError(get("/admin/usage?from=yesterday", ADMIN_KEY), 400, "invalid_value");
        assertError(get("/admin/usage", CLIENT_KEY), 401, "invalid_api_key");
        JsonNode byDay = json(get("/admin/usage?group_by=day", ADMIN_KEY));
        assertThat(byDay.path("group_by").asText()).isEqualTo("day");
    }

    private static JsonNode group(JsonNode report, String name) {
        for (JsonNode g : report.path("data")) {
            if (name.equals(g.path("group").asText())) {
                return g;
            }
        }
        throw new AssertionError("no group " + name + " in " + report);
    }

    private static HttpRequest request(String body, String key) {
        return HttpRequest.newBuilder(uri(CHAT)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
