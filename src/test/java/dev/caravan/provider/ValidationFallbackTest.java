package dev.caravan.provider;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Validation-aware fallback: provider "strict" checks its answers; {@code strict-model} falls back to
 * {@code qwen/qwen-plus}, {@code strict-alone} has no fallback.
 */
class ValidationFallbackTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final String SCHEMA_REQUEST = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"json\"}],"
            + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\",\"schema\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}}";
    private static final String TOOLS_REQUEST = "{\"model\":\"strict-model\",\"messages\":[{\"role\":\"user\",\"content\":\"w\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"location\":{\"type\":\"string\"}},\"required\":[\"location\"]}}}]}";

    private static Answer content(String content) throws Exception {
        return Answer.json(200, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                + "\"assistant\",\"content\":" + JSON.writeValueAsString(content) + "},\"finish_reason\":\"stop\"}]}");
    }

    private static Answer toolCall(String arguments) throws Exception {
        return Answer.json(200, "{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                + "\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"weather\",\"arguments\":" + JSON.writeValueAsString(arguments) + "}}]},"
                + "\"finish_reason\":\"tool_calls\"}]}");
    }

    @ParameterizedTest(name = "content {0}: served by {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"city\":\"Paris\"}|strict",
        "not json at all|qwen",
        "{\"town\":\"Paris\"}|qwen",
        "''|qwen"})
    void jsonSchemaAnswersAreChecked(String answer, String servedBy) throws Exception {
        UPSTREAM.enqueue("strict", content(answer));

        HttpResponse<String> response = post(CHAT, SCHEMA_REQUEST.formatted("strict-model"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue(servedBy);
    }

    @ParameterizedTest(name = "arguments {0}: served by {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"location\":\"Paris\"}|strict",
        "{\"location\": \"Par|qwen",
        "{\"city\":\"Paris\"}|qwen"})
    void toolCallArgumentsAreChecked(String arguments, String servedBy) throws Exception {
        UPSTREAM.enqueue("strict", toolCall(arguments));

        HttpResponse<String> response = post(CHAT, TOOLS_REQUEST);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue(servedBy);
    }

    @Test
    void withoutAFallbackARejectedAnswerIsAnError() throws Exception {
        UPSTREAM.enqueue("strict", content("not json"));

        assertError(post(CHAT, SCHEMA_REQUEST.formatted("strict-alone")), 502, "invalid_upstream_response");
    }

    @Test
    void plainRequestsAreNotChecked() throws Exception {
        UPSTREAM.enqueue("strict", content("free text is fine"));

        HttpResponse<String> response = post(CHAT, chat("strict-model"));

        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("strict");
    }
}
