package dev.caravan.metrics;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}: Prometheus text behind the admin key, with attempts, retries, fallbacks, breakers. */
class MetricsTest extends GatewayTest {

    @Test
    void countsAttemptsRetriesFallbacksAndBreakers() {
        UPSTREAM.enqueue("flaky", Answer.json(503, "{\"error\":{\"message\":\"down\"}}"));
        UPSTREAM.enqueue("deepseek", Answer.json(500, "{\"error\":{\"message\":\"oops\"}}"));
        assertThat(post("/v1/chat/completions", chat("flaky-model")).statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", chat("deepseek-flash")).statusCode()).isEqualTo(200);

        // requests are metered once answered, just after the response: give the last one a moment
        HttpResponse<String> scrape = get("/metrics", ADMIN_KEY);
        for (int i = 0; i < 50 && !scrape.body().contains("model=\"deepseek-flash\",provider=\"deepseek\"} "); i++) {
            sleep();
            scrape = get("/metrics", ADMIN_KEY);
        }

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        assertThat(scrape.body())
                .contains("caravan_upstream_attempts_total{outcome=\"upstream_unavailable\",provider=\"flaky\"}")
                .contains("caravan_upstream_attempts_total{outcome=\"ok\",provider=\"qwen\"}")
                .contains("caravan_upstream_retries_total{provider=\"deepseek\"}")
                .contains("caravan_fallbacks_total{provider=\"flaky\"}")
                .contains("resilience4j_circuitbreaker_state{name=\"flaky\",state=\"closed\"} 1.0")
                .contains("caravan_dead_letters_total")
                .contains("gen_ai_client_token_usage_sum{gen_ai_token_type=\"input\",key=\"default\",model=\"deepseek-flash\",provider=\"deepseek\"}")
                .contains("gen_ai_server_request_duration_seconds_count{error=\"none\",key=\"default\",model=\"flaky-model\",provider=\"qwen\"}")
                .contains("caravan_cost_total{currency=\"USD\",key=\"default\",model=\"deepseek-flash\",provider=\"deepseek\"}")
                .doesNotContain(providerKey("deepseek"));
    }

    @Test
    void onlyTheAdminKeyScrapes() {
        assertError(get("/metrics", CLIENT_KEY), 401, "invalid_api_key");
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
