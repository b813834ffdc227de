package dev.caravan.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Cost from usage and the price book (caravan/prices.yaml), in the request's log line. The fake providers
 * report 11 prompt + 7 completion tokens for a completion, and 9 + 4 for a stream.
 */
@ExtendWith(OutputCaptureExtension.class)
class CostTest extends GatewayTest {

    @Test
    void aCompletionIsPricedFromItsUsage(CapturedOutput output) throws Exception {
        post("/v1/chat/completions", chat("deepseek-flash"));

        // (11 x 0.15 + 7 x 0.60) / 1e6 USD off-peak, twice that at DeepSeek's peak hours (PriceBookTest: which when)
        assertLogged(output, "provider=deepseek upstream_model=deepseek-flash .*prompt_tokens=11 completion_tokens=7 "
                + "cost=0\\.0000(0585|117) cost_currency=USD");
    }

    @Test
    void aStreamIsPricedWhenItEnds(CapturedOutput output) throws Exception {
        post("/v1/chat/completions", "{\"model\":\"kimi-k3\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}");

        // (9 x 3.00 + 4 x 15.00) / 1e6 USD
        assertLogged(output, "provider=moonshot .*prompt_tokens=9 completion_tokens=4 cost=0\\.000087 "
                + "cost_currency=USD stream=true");
    }

    @Test
    void cnyPricesAreReportedInUsd(CapturedOutput output) throws Exception {
        post("/v1/chat/completions", chat("qwen-plus"));

        // (11 x 0.8 + 7 x 2) / 1e6 CNY = 0.0000228 CNY, at 7.1 CNY per USD
        assertLogged(output, "provider=qwen upstream_model=qwen-plus .*cost=0\\.00000321126760563380\\d* cost_currency=USD");
    }

    @Test
    void anUnpricedModelCostsUnknownNotZero(CapturedOutput output) throws Exception {
        post("/v1/chat/completions", chat("glm/glm-4-flash"));

        assertLogged(output, "provider=glm upstream_model=glm-4-flash .*completion_tokens=7 cost=unknown ");
        assertThat(output.getOut()).doesNotContainPattern("provider=glm .*cost=0 ");
    }

    @Test
    void cachedPromptTokensAreBilledAtTheCachedPrice(CapturedOutput output) throws Exception {
        UPSTREAM.enqueue("deepseek", Answer.json(200, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":"
                + "{\"prompt_tokens\":1000,\"completion_tokens\":100,\"prompt_cache_hit_tokens\":800}}"));

        post("/v1/chat/completions", chat("deepseek-flash"));

        // (200 x 0.15 + 800 x 0.003 + 100 x 0.60) / 1e6 USD off-peak, twice that at peak hours
        assertLogged(output, "prompt_tokens=1000 completion_tokens=100 cached_tokens=800 cost=0\\.000(0924|1848) "
                + "cost_currency=USD");
    }
}
