package dev.caravan.provider;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Retries on the same provider: which failures, how long they wait, and that they stop. */
@ExtendWith(OutputCaptureExtension.class)
class RetryTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final String OVERLOADED = "{\"error\":{\"message\":\"Server overloaded\",\"type\":\"server_error\"}}";

    @Test
    void serverErrorIsTriedAgain(CapturedOutput output) throws Exception {
        UPSTREAM.enqueue("deepseek", Answer.json(503, OVERLOADED));

        HttpResponse<String> response = post(CHAT, chat("deepseek-flash"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(UPSTREAM.received("deepseek")).hasSize(2);
        assertLogged(output, "provider=deepseek .*attempts=2 chain=deepseek:503,deepseek:200");
    }

    @Test
    void retryAfterIsWaitedFor() {
        UPSTREAM.enqueue("groq", Answer.json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"tokens\","
                + "\"code\":\"rate_limit_exceeded\"}}").withHeader("retry-after", "1"));

        long start = System.nanoTime();
        HttpResponse<String> response = post(CHAT, chat("groq/m"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(UPSTREAM.received("groq")).hasSize(2);
    }

    @Test
    void clientErrorsAreNotTriedAgain() {
        UPSTREAM.enqueue("qwen", Answer.json(400, "{\"error\":{\"message\":\"bad\",\"code\":\"InvalidParameter\"}}"));

        assertError(post(CHAT, chat("qwen-plus")), 400, "InvalidParameter");
        assertThat(UPSTREAM.received("qwen")).hasSize(1);
    }

    @Test
    void outOfBalanceIsNotTriedAgain() {
        UPSTREAM.enqueue("glm", Answer.json(429, "{\"error\":{\"code\":\"1113\",\"message\":\"欠费\"}}"));

        assertError(post(CHAT, chat("glm-5.3-flash")), 429, "insufficient_quota");
        assertThat(UPSTREAM.received("glm")).hasSize(1);
    }

    @Test
    void retriesStopAndTheLastErrorIsAnswered() {
        failEveryAttempt("openai", Answer.json(500, OVERLOADED));
        UPSTREAM.enqueue("openai", Answer.json(200, "{\"object\":\"chat.completion\",\"choices\":[]}"));

        assertError(post(CHAT, chat("gpt-4o")), 502, "upstream_error");
        assertThat(UPSTREAM.received("openai")).hasSize(ATTEMPTS);
    }

    @Test
    void aStreamIsTriedAgainBeforeItsFirstByte() {
        UPSTREAM.enqueue("deepseek", Answer.json(502, OVERLOADED));

        HttpResponse<String> response = post(CHAT, "{\"model\":\"deepseek-flash\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("Hello").endsWith("data: [DONE]\n\n");
        assertThat(UPSTREAM.received("deepseek")).hasSize(2);
    }

    @Test
    void aProviderOutOfBalanceIsLeftAloneAndThatIsLoggedOnce(CapturedOutput output) {
        UPSTREAM.enqueue("broke", Answer.json(429, "{\"error\":{\"code\":\"1113\",\"message\":\"Account in arrears\"}}"));

        for (int i = 0; i < 3; i++) {
            assertError(post(CHAT, chat("broke-model")), 429, "insufficient_quota");
        }

        assertThat(UPSTREAM.received("broke")).as("only the first request reached the provider").hasSize(1);
        assertThat(output.getOut()).containsOnlyOnce("Provider 'broke' is out of balance or quota");
        assertThat(output.getOut()).doesNotContain("at dev.caravan");
    }

    @Test
    void afterItsCoolDownOneCallTriesWhetherTheProviderIsBack() throws Exception {
        UPSTREAM.enqueue("broke-briefly", Answer.json(402, "{\"error\":{\"message\":\"Insufficient Balance\"}}"));
        assertError(post(CHAT, chat("briefly-broke-model")), 429, "insufficient_quota");
        assertError(post(CHAT, chat("briefly-broke-model")), 429, "insufficient_quota");
        assertThat(UPSTREAM.received("broke-briefly")).as("not called while it cools down").hasSize(1);

        Thread.sleep(600); // the provider's coolDown is 500 ms

        assertThat(post(CHAT, chat("briefly-broke-model")).statusCode()).as("the trial call").isEqualTo(200);
        assertThat(post(CHAT, chat("briefly-broke-model")).statusCode()).isEqualTo(200);
        assertThat(UPSTREAM.received("broke-briefly")).hasSize(3);
    }

    @Test
    void aConnectionClosedWithoutAnAnswerIsTriedAgain() {
        UPSTREAM.enqueue("siliconflow", Answer.connectionClosed());

        assertThat(post(CHAT, chat("siliconflow/m")).statusCode()).isEqualTo(200);
        assertThat(UPSTREAM.received("siliconflow")).hasSize(2);
    }

    @Test
    void rateLimitResetHeadersAreWaitedForWithoutRetryAfter() {
        UPSTREAM.enqueue("openai", Answer.json(429, "{\"error\":{\"message\":\"Rate limit reached\","
                + "\"code\":\"rate_limit_exceeded\"}}").withHeader("x-ratelimit-reset-requests", "1.2s")
                .withHeader("x-ratelimit-reset-tokens", "250ms"));

        long start = System.nanoTime();
        assertThat(post(CHAT, chat("gpt-4o")).statusCode()).isEqualTo(200);

        assertThat(System.nanoTime() - start).as("waited the longer reset, rounded up").isGreaterThanOrEqualTo(2_000_000_000L);
    }
}
