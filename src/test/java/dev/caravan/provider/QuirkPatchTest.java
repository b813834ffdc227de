package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.GatewayTest;
import org.junit.jupiter.api.Test;

/** Request patches of the adapters, as the fake providers receive them. */
class QuirkPatchTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";

    @Test
    void groqGetsOnlyTheFieldsItSupports() {
        post(CHAT, "{\"model\":\"openai/gpt-oss-120b\",\"messages\":[{\"role\":\"user\",\"name\":\"ann\","
                + "\"content\":\"hi\"}],\"logprobs\":true,\"top_logprobs\":2,\"logit_bias\":{\"1\":2},\"n\":3,"
                + "\"store\":true,\"metadata\":{\"a\":\"b\"},\"temperature\":0.5,\"tools\":[],\"stream\":false}");

        JsonNode sent = UPSTREAM.last("groq").json();
        assertThat(sent.has("logprobs") || sent.has("top_logprobs") || sent.has("logit_bias") || sent.has("store")
                || sent.has("metadata")).as(sent.toString()).isFalse();
        assertThat(sent.path("n").asInt()).as("Groq serves only n=1").isEqualTo(1);
        assertThat(sent.path("messages").path(0).has("name")).isFalse();
        assertThat(sent.path("messages").path(0).path("content").asText()).isEqualTo("hi");
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.5);
        assertThat(sent.has("tools")).isTrue();
    }

    @Test
    void groqKeepsNOfOne() {
        post(CHAT, "{\"model\":\"groq/x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":1}");

        assertThat(UPSTREAM.last("groq").json().path("n").asInt()).isEqualTo(1);
    }

    @Test
    void glmToolChoiceBecomesAuto() {
        post(CHAT, "{\"model\":\"glm-5.3-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}");
        assertThat(UPSTREAM.last("glm").json().path("tool_choice").asText()).isEqualTo("auto");

        post(CHAT, "{\"model\":\"glm-5.3-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tool_choice\":\"required\"}");
        assertThat(UPSTREAM.last("glm").json().path("tool_choice").asText()).isEqualTo("auto");
    }

    @Test
    void glmJsonSchemaBecomesJsonObject() {
        post(CHAT, "{\"model\":\"glm-5.3-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"json\"}],"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{}}}}");

        assertThat(UPSTREAM.last("glm").json().path("response_format").toString())
                .isEqualTo("{\"type\":\"json_object\"}");
    }

    @Test
    void aBlocksDataDropsRenamesAndSetsFields() {
        post(CHAT, "{\"model\":\"quirky-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"logprobs\":true,\"store\":false,\"max_completion_tokens\":50,\"parallel_tool_calls\":true,"
                + "\"reasoning_effort\":\"high\",\"temperature\":0.3}");

        JsonNode sent = UPSTREAM.last("quirky").json();
        assertThat(sent.has("logprobs") || sent.has("store") || sent.has("max_completion_tokens")).as(sent.toString())
                .isFalse();
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
        assertThat(sent.path("parallel_tool_calls").isBoolean() && !sent.path("parallel_tool_calls").asBoolean())
                .as(sent.toString()).isTrue();
        assertThat(sent.path("reasoning_effort").asText()).isEqualTo("low");
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
        // set only where the client sent the field
        assertThat(sent.has("seed")).isFalse();
    }

    @Test
    void aBlockWithoutStreamUsageDoesNotAskForIt() {
        post(CHAT, "{\"model\":\"quirky-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(UPSTREAM.last("quirky").json().has("stream_options")).isFalse();

        post(CHAT, "{\"model\":\"deepseek-flash\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(UPSTREAM.last("deepseek").json().path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void streamOptionsGoOnlyWithAStream() {
        post(CHAT, "{\"model\":\"deepseek-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream_options\":{\"include_usage\":true}}");
        assertThat(UPSTREAM.last("deepseek").json().has("stream_options")).isFalse();

        post(CHAT, "{\"model\":\"deepseek-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertThat(UPSTREAM.last("deepseek").json().path("stream_options").path("include_usage").asBoolean())
                .isTrue();
    }

    @Test
    void plainProvidersGetTheClientsBytesWithOnlyTheModelChanged() {
        String body = "{ \"messages\" : [{\"role\":\"user\",\"content\":\"caf\\u00e9 \\\"q\\\"\"}],\n"
                + "  \"model\":\"qwen-plus\", \"logprobs\":true, \"n\":2, \"vendor_field\":[1.50,{\"x\":null}] }";

        post(CHAT, body);

        assertThat(new String(UPSTREAM.last("qwen").body(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(body);
        post(CHAT, body.replace("qwen-plus", "coder"));
        assertThat(new String(UPSTREAM.last("qwen").body(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(body.replace("qwen-plus", "qwen3.8-max"));
    }
}
