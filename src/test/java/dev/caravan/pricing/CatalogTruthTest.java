package dev.caravan.pricing;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The presets as the providers serve them today: a retired name goes to its successor with a notice, a key with a
 * budget is never served an unpriced model, and {@code GET /admin/prices} shows every routable model's price.
 */
@ExtendWith(OutputCaptureExtension.class)
class CatalogTruthTest extends GatewayTest {

    @Test
    void aRetiredDeepSeekNameIsServedByItsSuccessorWithANotice(CapturedOutput output) throws Exception {
        HttpResponse<String> byName = post("/v1/chat/completions", chat("deepseek-chat"));
        assertThat(byName.statusCode()).as(byName.body()).isEqualTo(200);
        assertThat(UPSTREAM.last("deepseek").json().path("model").asText()).isEqualTo("deepseek-flash");

        HttpResponse<String> prefixed = post("/v1/chat/completions", chat("deepseek/deepseek-reasoner"));
        assertThat(prefixed.statusCode()).as(prefixed.body()).isEqualTo(200);
        assertThat(UPSTREAM.last("deepseek").json().path("model").asText()).isEqualTo("deepseek-flash");

        assertLogged(output, "Model 'deepseek-chat' of provider 'deepseek' was retired on 2026-07-24: "
                + "'deepseek-flash' serves its requests");
        // retired names are not offered
        assertThat(get("/v1/models", CLIENT_KEY).body()).doesNotContain("deepseek-chat").contains("deepseek-flash");

        JsonNode admin = json(get("/admin/models", ADMIN_KEY));
        Map<String, JsonNode> retirements = new HashMap<>();
        admin.path("retirements").forEach(r -> retirements.put(r.path("provider").asText() + "/"
                + r.path("model").asText(), r));
        assertThat(retirements.get("deepseek/deepseek-chat").path("status").asText()).isEqualTo("retired");
        assertThat(retirements.get("deepseek/deepseek-chat").path("successor").asText()).isEqualTo("deepseek-flash");
        assertThat(retirements.get("openai/gpt-4o").path("status").asText()).isEqualTo("shutting_down");
        assertThat(retirements.get("openai/gpt-4o").path("notice").asText())
                .isEqualTo("Shuts down on 2027-01-14; its successor is gpt-6-luna.");
        // before its date a deprecated model is still itself
        assertThat(post("/v1/chat/completions", chat("gpt-4o")).statusCode()).isEqualTo(200);
        assertThat(UPSTREAM.last("openai").json().path("model").asText()).isEqualTo("gpt-4o");
    }

    @Test
    void aKeyWithABudgetIsRefusedAnUnpricedModelAndServedAPricedOne() {
        HttpResponse<String> unpriced = post("/v1/chat/completions", chat("glm/glm-4-flash"), BUDGETED_KEY);
        assertError(unpriced, 403, "model_not_priced");
        assertThat(json(unpriced).path("error").path("message").asText())
                .contains("glm/glm-4-flash").contains("caravan.prices.glm.[glm-4-flash]");
        assertThat(UPSTREAM.received("glm")).isEmpty();

        // a key without a budget is served, its cost unknown
        assertThat(post("/v1/chat/completions", chat("glm/glm-4-flash")).statusCode()).isEqualTo(200);
        // and the budget key a priced model
        assertThat(post("/v1/chat/completions", chat("glm-5.3-flash"), BUDGETED_KEY).statusCode()).isEqualTo(200);
        // an alias to an unpriced model likewise
        assertError(post("/v1/chat/completions", chat("unpriced"), BUDGETED_KEY), 403, "model_not_priced");
    }

    @Test
    void adminPricesShowsEveryRoutableModelWithItsSourceAndWhatIsStaleOverriddenOrMissing() {
        assertError(get("/admin/prices", CLIENT_KEY), 401, "invalid_api_key");
        JsonNode report = json(get("/admin/prices", ADMIN_KEY));
        Map<String, JsonNode> models = new HashMap<>();
        report.path("models").forEach(m -> models.put(m.path("model").asText(), m));

        JsonNode pro = models.get("deepseek-v4-pro").path("price");
        assertThat(pro.path("source").asText()).isEqualTo("https://api-docs.deepseek.com/quick_start/pricing");
        assertThat(pro.path("peak").path("output").decimalValue()).isEqualByComparingTo("3.96");
        assertThat(models.get("deepseek-v4-pro").path("stale").asBoolean()).isFalse();
        assertThat(models.get("deepseek-v4-pro").path("overridden").asBoolean()).isFalse();
        // the tests' settings give deepseek-flash a flat price
        assertThat(models.get("deepseek-flash").path("overridden").asBoolean()).isTrue();
        // taken 2025-04-14: older than 90 days
        assertThat(models.get("gpt-4o").path("stale").asBoolean()).isTrue();
        assertThat(models.get("qwen-plus").path("price").path("tiers")).hasSize(2);
        // the alias "unpriced" leads to a model without a price; the test's strict model is priced in its settings
        assertThat(models.get("unpriced").path("missing").asBoolean()).isTrue();
        assertThat(models.get("strict-model").path("overridden").asBoolean()).isTrue();
        assertThat(report.path("missing").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(report.path("stale").asInt()).isGreaterThanOrEqualTo(1);
    }
}
