package dev.caravan.provider;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Provider status and body, in each provider's own error dialect, to what the client gets. */
class ErrorMappingTest extends GatewayTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                // provider, provider status, provider body, client status, client code
                Arguments.of("deepseek", 402, "{\"error\":{\"message\":\"Insufficient Balance\",\"type\":\"unknown_error\",\"param\":null,\"code\":\"invalid_request_error\"}}", 429, "insufficient_quota"),
                Arguments.of("deepseek", 401, "{\"error\":{\"message\":\"Authentication Fails\",\"type\":\"authentication_error\",\"param\":null,\"code\":\"invalid_request_error\"}}", 502, "provider_auth_failed"),
                Arguments.of("deepseek", 400, "{\"error\":{\"message\":\"This model's maximum context length is 65536 tokens. However, you requested 70000 tokens\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_request_error\"}}", 400, "context_length_exceeded"),
                Arguments.of("deepseek", 422, "{\"error\":{\"message\":\"temperature out of range\",\"type\":\"invalid_request_error\",\"param\":\"temperature\",\"code\":\"invalid_parameter\"}}", 400, "invalid_parameter"),
                Arguments.of("deepseek", 500, "{\"error\":{\"message\":\"Server error\",\"type\":\"server_error\"}}", 502, "upstream_error"),
                Arguments.of("deepseek", 503, "{\"error\":{\"message\":\"Server overloaded\",\"type\":\"server_error\"}}", 503, "upstream_unavailable"),
                Arguments.of("openai", 429, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}", 429, "insufficient_quota"),
                Arguments.of("openai", 404, "{\"error\":{\"message\":\"The model `gpt-9` does not exist\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}", 404, "model_not_found"),
                Arguments.of("glm", 429, "{\"error\":{\"code\":\"1113\",\"message\":\"您的账户已欠费，请充值后重试。\"}}", 429, "insufficient_quota"),
                Arguments.of("glm", 400, "{\"error\":{\"code\":\"1261\",\"message\":\"Prompt exceeds max length\"}}", 400, "context_length_exceeded"),
                Arguments.of("glm", 401, "{\"error\":{\"code\":\"1002\",\"message\":\"Authorization Token非法\"}}", 502, "provider_auth_failed"),
                Arguments.of("glm", 400, "{\"error\":{\"code\":\"1211\",\"message\":\"模型不存在\"}}", 404, "model_not_found"),
                Arguments.of("glm", 400, "{\"error\":{\"code\":\"1301\",\"message\":\"系统检测到输入或生成内容可能包含不安全或敏感内容\"}}", 400, "content_filter"),
                Arguments.of("glm", 429, "{\"error\":{\"code\":\"1302\",\"message\":\"您当前使用该API的并发数过高\"}}", 429, "rate_limit_exceeded"),
                Arguments.of("glm", 400, "{\"error\":{\"code\":\"1214\",\"message\":\"messages 参数非法\"}}", 400, "invalid_request"),
                Arguments.of("qwen", 401, "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"},\"request_id\":\"r1\"}", 502, "provider_auth_failed"),
                Arguments.of("qwen", 400, "{\"error\":{\"message\":\"Access denied, please make sure your account is in good standing.\",\"type\":\"Arrearage\",\"param\":null,\"code\":\"Arrearage\"},\"request_id\":\"r2\"}", 429, "insufficient_quota"),
                Arguments.of("qwen", 429, "{\"error\":{\"message\":\"Requests rate limit exceeded\",\"type\":\"Throttling.RateQuota\",\"param\":null,\"code\":\"Throttling.RateQuota\"},\"request_id\":\"r3\"}", 429, "rate_limit_exceeded"),
                Arguments.of("qwen", 404, "{\"error\":{\"message\":\"Model not exist.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"ModelNotFound\"},\"request_id\":\"r4\"}", 404, "model_not_found"),
                Arguments.of("qwen", 400, "{\"error\":{\"message\":\"Range of input length should be [1, 30720]\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"InvalidParameter\"},\"request_id\":\"r5\"}", 400, "context_length_exceeded"),
                Arguments.of("qwen", 401, "{\"error\":{\"message\":\"bad key\",\"code\":\"INVALID_API_KEY\"}}", 502, "provider_auth_failed"),
                Arguments.of("qwen", 400, "{\"error\":{\"message\":\"bad\",\"type\":\"Input Length exceeded\"}}", 400, "context_length_exceeded"),
                Arguments.of("siliconflow", 400, "{\"code\":20012,\"message\":\"Model does not exist. Please check it carefully.\",\"data\":null}", 404, "model_not_found"),
                Arguments.of("siliconflow", 403, "{\"code\":30001,\"message\":\"Sorry, your account balance is insufficient\",\"data\":null}", 429, "insufficient_quota"),
                Arguments.of("siliconflow", 429, "{\"code\":50603,\"message\":\"Request was rejected due to rate limiting. Details: TPM limit reached.\",\"data\":null}", 429, "rate_limit_exceeded"),
                Arguments.of("siliconflow", 504, "{\"code\":50505,\"message\":\"Model service timeout\",\"data\":null}", 504, "upstream_timeout"),
                Arguments.of("openrouter", 402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}", 429, "insufficient_quota"),
                Arguments.of("openrouter", 403, "{\"error\":{\"code\":403,\"message\":\"Input was flagged\",\"metadata\":{\"reasons\":[\"violence\"]}}}", 400, "content_filter"),
                Arguments.of("openrouter", 502, "{\"error\":{\"code\":502,\"message\":\"Provider returned error\",\"metadata\":{\"provider_name\":\"Together\"}}}", 502, "upstream_error"),
                Arguments.of("openrouter", 200, "{\"error\":{\"code\":503,\"message\":\"No instances available\"}}", 503, "upstream_unavailable"),
                Arguments.of("groq", 429, "{\"error\":{\"message\":\"Rate limit reached. Please try again in 5.289s.\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}", 429, "rate_limit_exceeded"),
                Arguments.of("groq", 498, "{\"error\":{\"message\":\"Flex tier capacity exceeded\",\"type\":\"capacity\",\"code\":\"capacity_exceeded\"}}", 503, "upstream_unavailable"),
                Arguments.of("groq", 401, "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}", 502, "provider_auth_failed"),
                // a provider whose error meanings are data of its block only (errorCodes, errorMessages, errorStatuses)
                Arguments.of("quirky", 400, "{\"error\":{\"code\":\"e4217\",\"message\":\"slow down\"}}", 429, "rate_limit_exceeded"),
                Arguments.of("quirky", 400, "{\"error\":{\"code\":\"X1\",\"message\":\"Your Wallet is empty\"}}", 429, "insufficient_quota"),
                Arguments.of("quirky", 418, "{\"error\":{\"message\":\"teapot busy\"}}", 503, "upstream_unavailable"),
                Arguments.of("quirky", 400, "{\"error\":{\"code\":\"E5\",\"message\":\"bad\"}}", 400, "E5"),
                Arguments.of("openai", 502, "<html><body>502 Bad Gateway</body></html>", 502, "upstream_error"),
                Arguments.of("openai", 200, "{\"choices\": [", 502, "invalid_upstream_response"));
    }

    @ParameterizedTest(name = "{0} {1} -> {3} {4}")
    @MethodSource("cases")
    void mapsProviderErrors(String provider, int status, String body, int clientStatus, String clientCode) {
        failEveryAttempt(provider, Answer.json(status, body));

        HttpResponse<String> response = post("/v1/chat/completions", chat(provider + "/m"));

        assertError(response, clientStatus, clientCode);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue(provider);
    }

    @ParameterizedTest(name = "{0} {1} keeps the message")
    @MethodSource("cases")
    void keepsTheProvidersMessage(String provider, int status, String body) throws Exception {
        Assumptions.assumeTrue(body.contains("\"message\""), "the provider gave a message");
        failEveryAttempt(provider, Answer.json(status, body));

        JsonNode error = json(post("/v1/chat/completions", chat(provider + "/m"))).path("error");

        assertThat(error.path("message").asText()).contains(JSON.readTree(body).findValue("message").asText());
    }

    @Test
    void passesOnARetryAfterLongerThanItWaits() {
        UPSTREAM.enqueue("groq", Answer.json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"tokens\","
                + "\"code\":\"rate_limit_exceeded\"}}").withHeader("retry-after", "5"));

        HttpResponse<String> response = post("/v1/chat/completions", chat("groq/m"));

        assertError(response, 429, "rate_limit_exceeded");
        assertThat(response.headers().firstValue("retry-after")).hasValue("5");
        assertThat(UPSTREAM.received("groq")).as("5 s is longer than the retry-max-delay: no retry").hasSize(1);
    }

    @Test
    void openRouterNamesTheUpstreamProviderThatFailed() {
        failEveryAttempt("openrouter", Answer.json(502, "{\"error\":{\"code\":502,\"message\":\"Provider returned "
                + "error\",\"metadata\":{\"provider_name\":\"Together\",\"raw\":\"boom\"}}}"));

        JsonNode error = assertError(post("/v1/chat/completions", chat("openrouter/x/y")), 502, "upstream_error");

        assertThat(error.path("message").asText()).contains("Together");
    }
}
