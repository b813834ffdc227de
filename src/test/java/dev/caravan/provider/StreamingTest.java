package dev.caravan.provider;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** {@code stream:true} end to end: providers stream from the fake upstream, the client reads SSE lines. */
@Timeout(30)
@ExtendWith(OutputCaptureExtension.class)
class StreamingTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";
    /** Adapters that answer with usage without being asked (GLM in its last chunk, OpenRouter always). */
    private static final Set<String> SEND_USAGE_UNASKED = Set.of("glm", "openrouter");

    /** What the client read: every line, and when each {@code data:} line arrived. */
    record Read(int status, String contentType, List<String> lines, List<String> data, List<Long> dataNanos,
                long startNanos) {
        List<JsonNode> chunks() {
            return data.stream().filter(d -> !d.equals("[DONE]")).map(StreamingTest::parse).toList();
        }

        String content(String field) {
            StringBuilder text = new StringBuilder();
            chunks().forEach(c -> c.path("choices").forEach(ch -> text.append(ch.path("delta").path(field).asText(""))));
            return text.toString();
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String streamBody(String model, boolean includeUsage) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}";
    }

    static Read stream(String body) {
        long start = System.nanoTime();
        HttpResponse<Stream<String>> response;
        try {
            response = CLIENT.send(HttpRequest.newBuilder(uri(CHAT)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + CLIENT_KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        List<String> lines = new ArrayList<>();
        List<String> data = new ArrayList<>();
        List<Long> nanos = new ArrayList<>();
        try (Stream<String> body0 = response.body()) {
            body0.forEach(line -> {
                lines.add(line);
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6));
                    nanos.add(System.nanoTime());
                }
            });
        }
        return new Read(response.statusCode(), response.headers().firstValue("content-type").orElse(""), lines,
                data, nanos, start);
    }

    static Stream<String> presets() {
        return PRESETS.stream();
    }

    @ParameterizedTest
    @MethodSource("presets")
    void relaysEachPresetsStreamInOpenAiShape(String provider) {
        Read read = stream(streamBody(provider + "/m", false));

        assertThat(read.status()).isEqualTo(200);
        assertThat(read.contentType()).startsWith("text/event-stream");
        assertThat(read.lines()).as("no SSE comment reaches the client").noneMatch(l -> l.startsWith(":"));
        assertThat(read.data()).last().isEqualTo("[DONE]");
        assertThat(read.chunks()).allSatisfy(c ->
                assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(read.content("content")).isEqualTo("Hello world");
        assertThat(read.content("reasoning_content")).isEqualTo("think");
        assertThat(read.chunks()).as("no usage-only chunk unasked")
                .noneMatch(c -> c.path("choices").isEmpty() && c.has("usage"));

        JsonNode sent = UPSTREAM.last(provider).json();
        assertThat(sent.path("stream").asBoolean()).isTrue();
        assertThat(sent.path("stream_options").path("include_usage").asBoolean())
                .as("gateway asks for usage").isEqualTo(!SEND_USAGE_UNASKED.contains(provider));
    }

    @ParameterizedTest
    @MethodSource("presets")
    void usageReachesTheClientWhenItAsks(String provider) {
        Read read = stream(streamBody(provider + "/m", true));

        List<JsonNode> withUsage = read.chunks().stream().filter(c -> c.path("usage").isObject()).toList();
        assertThat(withUsage).hasSize(1);
        assertThat(withUsage.get(0).path("usage").path("total_tokens").asInt()).isEqualTo(13);
    }

    @Test
    void firstChunkArrivesLongBeforeTheLast() {
        UPSTREAM.enqueue("deepseek", Answer.stream(400,
                chunk("\"content\":\"one\"", null), chunk("\"content\":\"two\"", null),
                chunk("\"content\":\"three\"", null), chunk("\"content\":\"four\"", "\"stop\""), "data: [DONE]\n\n"));

        Read read = stream(streamBody("deepseek-flash", false));

        assertThat(read.content("content")).isEqualTo("onetwothreefour");
        long firstMillis = (read.dataNanos().get(0) - read.startNanos()) / 1_000_000;
        long lastMillis = (read.dataNanos().get(read.dataNanos().size() - 1) - read.startNanos()) / 1_000_000;
        assertThat(lastMillis - firstMillis).as("first at %d ms, last at %d ms", firstMillis, lastMillis)
                .isGreaterThan(1_000);
    }

    @Test
    void toolCallDeltasPassUntouched() {
        String[] events = {
            chunk("\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"weather\",\"arguments\":\"\"}}]", null),
            chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"loc\"}}]", null),
            chunk("\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ation\\\":\\\"Paris\\\"}\"}}]", null),
            chunk("", "\"tool_calls\""), "data: [DONE]\n\n"};
        UPSTREAM.enqueue("openai", Answer.stream(0, events));

        Read read = stream(streamBody("gpt-4o", false));

        List<String> sentData = Stream.of(events).map(e -> e.substring(6).strip()).toList();
        assertThat(read.data()).containsExactlyElementsOf(sentData);
    }

    @Test
    void dropMidStreamEndsWithOneErrorEvent() {
        UPSTREAM.enqueue("qwen", Answer.stream(20, chunk("\"content\":\"partial\"", null),
                chunk("\"content\":\" answer\"", null)).droppingAtEnd());

        Read read = stream(streamBody("qwen-plus", false));

        assertThat(read.content("content")).isEqualTo("partial answer");
        assertThat(read.data()).doesNotContain("[DONE]");
        JsonNode last = parse(read.data().get(read.data().size() - 1));
        assertThat(last.path("error").path("code").isTextual()).isTrue();
        assertThat(last.path("error").path("message").asText()).contains("qwen");
    }

    @Test
    void streamThatStopsWithoutFinishingIsAnError() {
        UPSTREAM.enqueue("qwen", Answer.stream(0, chunk("\"content\":\"cut\"", null)));

        Read read = stream(streamBody("qwen-plus", false));

        assertThat(parse(read.data().get(read.data().size() - 1)).path("error").path("code").asText())
                .isEqualTo("upstream_error");
    }

    @Test
    void finishedStreamWithoutDoneGetsDone() {
        UPSTREAM.enqueue("qwen", Answer.stream(0, chunk("\"content\":\"ok\"", "\"stop\"")));

        assertThat(stream(streamBody("qwen-plus", false)).data()).last().isEqualTo("[DONE]");
    }

    @Test
    void errorAsTheFirstEventIsAnOrdinaryError() {
        failEveryAttempt("openrouter", Answer.stream(0, ": OPENROUTER PROCESSING\n\n",
                "data: {\"error\":{\"code\":503,\"message\":\"No instances available\"}}\n\n"));

        HttpResponse<String> response = post(CHAT, streamBody("openrouter/x/y", false));

        assertError(response, 503, "upstream_unavailable");
    }

    @Test
    void errorAfterTheFirstEventIsTheLastEvent() {
        // the pause lets the first event reach the client before the error comes
        UPSTREAM.enqueue("openrouter", Answer.stream(200, chunk("\"content\":\"so far\"", null),
                "data: {\"error\":{\"code\":429,\"message\":\"Rate limited upstream\"}}\n\n",
                chunk("\"content\":\"never\"", null), "data: [DONE]\n\n"));

        Read read = stream(streamBody("openrouter/x/y", false));

        assertThat(read.content("content")).isEqualTo("so far");
        JsonNode last = parse(read.data().get(read.data().size() - 1));
        assertThat(last.path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(read.data()).doesNotContain("[DONE]");
    }

    @Test
    void clientDisconnectHangsUpOnTheProvider() throws Exception {
        String[] events = new String[40];
        for (int i = 0; i < events.length; i++) {
            events[i] = chunk("\"content\":\"" + i + "\"", null);
        }
        UPSTREAM.enqueue("groq", Answer.stream(100, events));

        HttpResponse<Stream<String>> response = CLIENT.send(HttpRequest.newBuilder(uri(CHAT))
                .header("Authorization", "Bearer " + CLIENT_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(streamBody("openai/gpt-oss-120b", false))).build(),
                HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            int data = 0;
            while (data < 2 && it.hasNext()) {
                data += it.next().startsWith("data: ") ? 1 : 0;
            }
        }
        long closed = System.nanoTime();

        while (UPSTREAM.hungUp().isEmpty() && System.nanoTime() - closed < 5_000_000_000L) {
            Thread.sleep(20);
        }
        assertThat(UPSTREAM.hungUp()).singleElement().satisfies(h -> {
            assertThat(h.provider()).isEqualTo("groq");
            assertThat(h.eventsWritten()).isLessThan(10);
        });
    }

    @Test
    void aStreamMayOutlastTheFirstByteTimeout() {
        // provider "slow" gives up after 300 ms without response headers; this stream runs for about 1 s
        UPSTREAM.enqueue("slow", Answer.stream(250, chunk("\"content\":\"a\"", null), chunk("\"content\":\"b\"", null),
                chunk("\"content\":\"c\"", "\"stop\""), "data: [DONE]\n\n"));

        Read read = stream(streamBody("slow-model", false));

        assertThat(read.content("content")).isEqualTo("abc");
        assertThat(read.data()).last().isEqualTo("[DONE]");
    }

    @Test
    void usageIsEstimatedWhenTheProviderSendsNone(CapturedOutput output) throws Exception {
        UPSTREAM.enqueue("siliconflow", Answer.stream(0, chunk("\"content\":\"" + "x".repeat(400) + "\"", "\"stop\""),
                "data: [DONE]\n\n"));

        Read read = stream(streamBody("siliconflow/m", false));
        assertThat(read.data()).last().isEqualTo("[DONE]");

        assertLogged(output, "provider=siliconflow .*completion_tokens=100 usage_estimated=true cost=unknown stream=true");
    }

    @Test
    void reportedUsageIsLoggedWithTheStream(CapturedOutput output) throws Exception {
        stream(streamBody("glm/glm-4-flash", false));

        assertLogged(output, "provider=glm .*prompt_tokens=9 completion_tokens=4 cost=unknown stream=true");
    }

    /** One {@code data:} event in OpenAI's chunk shape. */
    static String chunk(String delta, String finishReason) {
        return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                + "[{\"index\":0,\"delta\":{" + delta + "},\"finish_reason\":" + finishReason + "}]}\n\n";
    }
}
