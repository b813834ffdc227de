package dev.caravan.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The official OpenAI Java SDK as the client: it must parse everything the gateway sends. */
@Timeout(30)
class OpenAiSdkTest extends GatewayTest {

    private static final OpenAIClient SDK = OpenAIOkHttpClient.builder()
            .baseUrl("http://127.0.0.1:" + PORT + "/v1").apiKey(CLIENT_KEY).maxRetries(0).build();

    @AfterAll
    static void close() {
        SDK.close();
    }

    private static ChatCompletionCreateParams.Builder ask(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("hi");
    }

    private static List<ChatCompletionChunk> streamAll(ChatCompletionCreateParams params) {
        try (StreamResponse<ChatCompletionChunk> stream = SDK.chat().completions().createStreaming(params)) {
            return new ArrayList<>(stream.stream().toList());
        }
    }

    private static String content(List<ChatCompletionChunk> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        return text.toString();
    }

    @Test
    void completesAChat() {
        ChatCompletion completion = SDK.chat().completions().create(ask("glm-5.3-flash").build());

        assertThat(completion.choices().get(0).message().content()).hasValue("answer from glm");
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(18);
    }

    @Test
    void streamsFromEveryPreset() {
        for (String provider : PRESETS) {
            List<ChatCompletionChunk> chunks = streamAll(ask(provider + "/m").build());

            assertThat(content(chunks)).as(provider).isEqualTo("Hello world");
            assertThat(chunks.get(0).choices().get(0).delta()._additionalProperties().get("reasoning_content")
                    .asStringOrThrow()).as(provider).isEqualTo("think");
            assertThat(chunks).as(provider + ": no usage-only chunk unasked").noneMatch(c -> c.choices().isEmpty());
        }
    }

    @Test
    void streamsUsageWhenAsked() {
        List<ChatCompletionChunk> chunks = streamAll(ask("deepseek-flash")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());

        assertThat(chunks.get(chunks.size() - 1).usage().orElseThrow().totalTokens()).isEqualTo(13);
    }

    @Test
    void streamsTheDemoModel() {
        assertThat(content(streamAll(ask("demo").build()))).contains("demo provider");
    }

    @Test
    void errorsAreTypedByTheSdk() {
        assertThatThrownBy(() -> SDK.chat().completions().create(ask("no-such-model").build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> assertThat(e.code()).hasValue("model_not_found"));

        failEveryAttempt("groq", Answer.json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"tokens\","
                + "\"code\":\"rate_limit_exceeded\"}}"));
        assertThatThrownBy(() -> SDK.chat().completions().create(ask("groq/m").build()))
                .isInstanceOfSatisfying(RateLimitException.class,
                        e -> assertThat(e.code()).hasValue("rate_limit_exceeded"));

        OpenAIClient wrongKey = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + PORT + "/v1")
                .apiKey("sk-wrong").maxRetries(0).build();
        assertThatThrownBy(() -> wrongKey.models().list()).isInstanceOf(UnauthorizedException.class);
        wrongKey.close();
    }

    @Test
    void anErrorEventEndsTheStreamWithAnException() {
        UPSTREAM.enqueue("qwen", Answer.stream(150, StreamingTest.chunk("\"content\":\"part\"", null))
                .droppingAtEnd());

        assertThatThrownBy(() -> streamAll(ask("qwen-plus").build())).hasMessageContaining("qwen");
    }

    @Test
    void listsModelsAndEmbeds() {
        assertThat(SDK.models().list().data()).extracting(Model::id).contains("demo", "deepseek-flash", "coder");
        assertThat(SDK.embeddings().create(EmbeddingCreateParams.builder().model("text-embedding-3-small")
                .input("hello").build()).data().get(0).embedding()).hasSize(2);
    }
}
