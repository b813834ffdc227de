package dev.caravan.provider;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One contract every preset must keep, run over all of them; what a provider cannot do is declared in its
 * {@link Preset} rather than skipped silently.
 */
class ProviderContractTest extends GatewayTest {

    /**
     * A preset and its capabilities.
     *
     * @param chatModel         a public chat model name the preset lists ({@code null}: lists none)
     * @param embeddingModel    an embedding model it lists ({@code null}: no embeddings API)
     * @param keepsUnknownFields whether unknown request fields reach it (Groq rejects them, so they are dropped)
     */
    record Preset(String id, String chatModel, String embeddingModel, boolean keepsUnknownFields) {
        @Override
        public String toString() {
            return id;
        }
    }

    static Stream<Preset> presets() {
        return Stream.of(
                new Preset("openai", "gpt-4o-mini", "text-embedding-3-small", true),
                new Preset("deepseek", "deepseek-flash", null, true),
                new Preset("qwen", "qwen-plus", null, true),
                new Preset("glm", "glm-5.3-flash", null, true),
                new Preset("siliconflow", "zai-org/GLM-5.3", null, true),
                new Preset("groq", "openai/gpt-oss-120b", null, false),
                new Preset("openrouter", null, null, true),
                new Preset("moonshot", "kimi-k3", null, true));
    }

    @ParameterizedTest
    @MethodSource("presets")
    void completesAChatWithTheProvidersKeyAndTheBodyAsSent(Preset preset) {
        String model = preset.chatModel() != null ? preset.chatModel() : preset.id() + "/vendor/some-model";
        HttpResponse<String> response = post("/v1/chat/completions", "{\"model\":\"" + model + "\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"temperature\":0.2,"
                + "\"x_client_field\":{\"nested\":[1,2]}}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue(preset.id());
        JsonNode body = json(response);
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        JsonNode message = body.path("choices").path(0).path("message");
        assertThat(message.path("content").asText()).isEqualTo("answer from " + preset.id());
        assertThat(message.path("reasoning_content").asText()).isEqualTo("thinking by " + preset.id());
        assertThat(body.path("provider_extension").asText()).isEqualTo("kept");
        assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(18);

        FakeProviders.Received sent = UPSTREAM.last(preset.id());
        assertThat(sent.path()).isEqualTo("/" + preset.id() + "/chat/completions");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + providerKey(preset.id()));
        JsonNode upstreamBody = sent.json();
        assertThat(upstreamBody.path("model").asText())
                .isEqualTo(preset.chatModel() != null ? preset.chatModel() : "vendor/some-model");
        assertThat(upstreamBody.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(upstreamBody.path("messages").path(0).path("content").asText()).isEqualTo("hello");
        assertThat(upstreamBody.has("x_client_field")).isEqualTo(preset.keepsUnknownFields());
    }

    @ParameterizedTest
    @MethodSource("presets")
    void providerPrefixReachesThatProviderWithThatModel(Preset preset) {
        HttpResponse<String> response = post("/v1/chat/completions", chat(preset.id() + "/any-upstream-model"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue(preset.id());
        assertThat(UPSTREAM.last(preset.id()).json().path("model").asText()).isEqualTo("any-upstream-model");
    }

    @ParameterizedTest
    @MethodSource("presets")
    void servesEmbeddingsWhereTheProviderHasThem(Preset preset) {
        String model = preset.embeddingModel() != null ? preset.embeddingModel() : preset.id() + "/embedder";
        HttpResponse<String> response = post("/v1/embeddings", "{\"model\":\"" + model
                + "\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"float\"}");

        // a provider without an embeddings API answers for itself; the gateway forwards either way
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json(response).path("data").path(0).path("embedding").size()).isEqualTo(2);
        FakeProviders.Received sent = UPSTREAM.last(preset.id());
        assertThat(sent.path()).isEqualTo("/" + preset.id() + "/embeddings");
        assertThat(sent.json().path("input").size()).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("presets")
    void listsTheModelsItServes(Preset preset) {
        JsonNode models = json(get("/v1/models", CLIENT_KEY)).path("data");

        if (preset.chatModel() == null) {
            assertThat(models.findValuesAsText("owned_by")).doesNotContain(preset.id());
            return;
        }
        assertThat(models.findValues("id").stream().map(JsonNode::asText)).contains(preset.chatModel());
        JsonNode one = json(get("/v1/models/" + preset.chatModel(), CLIENT_KEY));
        assertThat(one.path("owned_by").asText()).isEqualTo(preset.id());
        assertThat(one.path("object").asText()).isEqualTo("model");
    }

    @ParameterizedTest
    @MethodSource("presets")
    void providerFailureIsAnOpenAiErrorWithTheKeyRedacted(Preset preset) {
        failEveryAttempt(preset.id(), Answer.json(500,
                "{\"error\":{\"message\":\"internal failure for key " + providerKey(preset.id()) + "\"}}"));

        HttpResponse<String> response = post("/v1/chat/completions", chat(preset.id() + "/m"));

        JsonNode error = assertError(response, 502, "upstream_error");
        assertThat(error.path("message").asText()).contains(preset.id()).contains("[redacted]");
        assertThat(response.body()).doesNotContain(providerKey(preset.id()));
    }
}
