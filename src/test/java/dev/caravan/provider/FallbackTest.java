package dev.caravan.provider;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * Fallback chains and breakers: model {@code flaky-model} (provider "flaky", no retries, breaker "test":
 * 4 calls, 50 %, 1 s open) falls back to an unroutable model, then to {@code qwen/qwen-plus}.
 */
@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
class FallbackTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final Answer DOWN = Answer.json(503, "{\"error\":{\"message\":\"overloaded\"}}");

    @Test
    void aFailedProviderFallsBackToTheNextUsableModel(CapturedOutput output) throws Exception {
        UPSTREAM.enqueue("flaky", DOWN);

        HttpResponse<String> response = post(CHAT, chat("flaky-model"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("qwen");
        assertThat(UPSTREAM.last("qwen").json().path("model").asText()).isEqualTo("qwen-plus");
        assertLogged(output,
                "status=200 key=default model=flaky-model provider=qwen upstream_model=qwen-plus attempts=2 "
                        + "chain=flaky:503,qwen:200 fallbacks=1 prompt_tokens");
    }

    @Test
    void failuresOfTheRequestDoNotFallBack() {
        UPSTREAM.enqueue("flaky", Answer.json(400, "{\"error\":{\"message\":\"bad field\",\"code\":\"invalid_parameter\"}}"));

        assertError(post(CHAT, chat("flaky-model")), 400, "invalid_parameter");
        assertThat(UPSTREAM.received("qwen")).isEmpty();
    }

    @Test
    void aStreamFallsBackBeforeItsFirstByte() {
        UPSTREAM.enqueue("flaky", DOWN);

        HttpResponse<String> response = post(CHAT, "{\"model\":\"flaky-model\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("qwen");
        assertThat(response.body()).contains("Hello").endsWith("data: [DONE]\n\n");
    }

    @Test
    void theBreakerOpensAfterFailuresAndClosesAfterATrial() throws Exception {
        for (int i = 0; i < 4; i++) {
            UPSTREAM.enqueue("flaky", DOWN);
            assertThat(post(CHAT, chat("flaky-model")).statusCode()).isEqualTo(200);
        }
        assertThat(UPSTREAM.received("flaky")).hasSize(4);

        // open: straight to the fallback, the provider is not called
        HttpResponse<String> whileOpen = post(CHAT, chat("flaky-model"));
        assertThat(whileOpen.headers().firstValue("x-caravan-provider")).hasValue("qwen");
        assertThat(UPSTREAM.received("flaky")).hasSize(4);
        assertError(post(CHAT, chat("flaky-alone")), 503, "upstream_unavailable");

        Thread.sleep(1_200);
        HttpResponse<String> trial = post(CHAT, chat("flaky-model"));
        assertThat(trial.headers().firstValue("x-caravan-provider")).hasValue("flaky");
        HttpResponse<String> closed = post(CHAT, chat("flaky-model"));
        assertThat(closed.headers().firstValue("x-caravan-provider")).hasValue("flaky");
        assertThat(UPSTREAM.received("flaky")).hasSize(6);
    }

    @Test
    void aPromptTooLongGoesToTheLongContextModelOnly() {
        UPSTREAM.enqueue("flaky", Answer.json(400, "{\"error\":{\"message\":\"This model's maximum context length "
                + "is 8192 tokens\",\"code\":\"context_length_exceeded\"}}"));

        HttpResponse<String> response = post(CHAT, chat("flaky-model"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("glm");
        assertThat(UPSTREAM.last("glm").json().path("model").asText()).isEqualTo("glm-4-long");
        assertThat(UPSTREAM.received("qwen")).as("the fallback chain is not for long prompts").isEmpty();
    }

    @Test
    void withoutALongContextModelTheErrorIsAnswered() {
        UPSTREAM.enqueue("flaky", Answer.json(400, "{\"error\":{\"message\":\"maximum context length exceeded\","
                + "\"code\":\"context_length_exceeded\"}}"));

        assertError(post(CHAT, chat("flaky-alone")), 400, "context_length_exceeded");
    }

    @Test
    void aProviderOutOfBalanceFallsBack() {
        UPSTREAM.enqueue("flaky", Answer.json(402, "{\"error\":{\"message\":\"Insufficient Balance\"}}"));

        HttpResponse<String> response = post(CHAT, chat("flaky-model"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("qwen");
    }
}
