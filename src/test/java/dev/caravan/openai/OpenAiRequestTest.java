package dev.caravan.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OpenAiRequestTest {

    private static OpenAiRequest chat(String json) {
        return OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String upstream(OpenAiRequest request, String model) {
        return new String(request.draft().bytes(model), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepseek-flash", "m\\u00e9", "a\\\"b", "中文模型", "x/y/z"})
    void splicesTheUpstreamModelInPlace(String clientModel) {
        String json = "{\"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}], \"model\" : \"" + clientModel
                + "\" ,\"n\":1}";

        String sent = upstream(chat(json), "upstream \"v2\" é");

        assertThat(sent).isEqualTo("{\"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\"}], \"model\" : "
                + "\"upstream \\\"v2\\\" é\" ,\"n\":1}");
    }

    @Test
    void unchangedModelSendsTheSameBytes() {
        OpenAiRequest request = chat("{\"model\":\"m\",\"messages\":[{}]}");

        assertThat(request.draft().bytes("m")).isSameAs(request.raw());
    }

    @Test
    void readsModelAndStream() {
        OpenAiRequest request = chat("{\"model\":\"a\\/b\",\"messages\":[{}],\"stream\":true}");

        assertThat(request.model()).isEqualTo("a/b");
        assertThat(request.stream()).isTrue();
        assertThat(chat("{\"model\":\"m\",\"messages\":[{}],\"stream\":null}").stream()).isFalse();
    }

    @Test
    void draftsAreIndependent() {
        OpenAiRequest request = chat("{\"model\":\"m\",\"messages\":[{}],\"logprobs\":true}");
        OpenAiRequest.Draft first = request.draft();
        first.edit().remove("logprobs");

        assertThat(upstream(request, "x")).contains("logprobs");
        assertThat(new String(first.bytes("x"), StandardCharsets.UTF_8)).doesNotContain("logprobs");
    }

    @Test
    void aMemberGivenTwiceIsRefused() {
        // the gateway would route and price one model while a provider that reads the first runs the other
        assertThatThrownBy(() -> chat("{\"model\":\"expensive\",\"messages\":[{}],\"model\":\"cheap\"}"))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(400);
                    assertThat(e.error().code()).isEqualTo("invalid_json");
                    assertThat(e.error().message()).contains("Duplicate member 'model'");
                });
    }

    @Test
    void nullOptionalFieldsAreAccepted() {
        chat("{\"model\":\"m\",\"messages\":[{}],\"temperature\":null,\"tools\":null,\"stop\":null}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"model\":\"m\",\"messages\":[{}],\"max_tokens\":1.5}", "{\"model\":\"m\",\"messages\":{}}",
            "{\"model\":[\"m\"],\"messages\":[{}]}", "{\"model\":\"m\",\"messages\":[{}],\"tools\":{}}"})
    void wrongTypesAreRefused(String json) {
        assertThatThrownBy(() -> chat(json)).isInstanceOf(GatewayException.class)
                .extracting(e -> ((GatewayException) e).error().code()).isEqualTo("invalid_type");
    }

    @Test
    void deeplyNestedOrBrokenJsonIsRefused() {
        assertThatThrownBy(() -> chat("{\"model\":\"m\",\"messages\":[" + "[".repeat(1000) + "]}"))
                .isInstanceOf(GatewayException.class)
                .extracting(e -> ((GatewayException) e).error().code()).isEqualTo("invalid_json");
        assertThatThrownBy(() -> chat("{\"model\":\"m\",\"messages\":[{}],}"))
                .extracting(e -> ((GatewayException) e).error().code()).isEqualTo("invalid_json");
    }
}
