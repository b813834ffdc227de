package dev.caravan.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.Loopback;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * HTTP on the wire: {@code Connection: close} and HTTP/1.0 on every answer, streams included; what Netty's
 * decoder refuses gets an OpenAI error; half-sent requests leave no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class HttpSemanticsTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final Duration PROMPTLY = Duration.ofMillis(1500);

    /** A short stream from the deepseek test provider: two pieces, then [DONE]. */
    static Answer shortStream(long pauseMillis) {
        return Answer.stream(pauseMillis,
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"one \"}}]}\n\n",
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"two\"},\"finish_reason\":\"stop\"}]}\n\n",
                "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n",
                "data: [DONE]\n\n");
    }

    private static String streamed() {
        return Loopback.streamedChat("deepseek-flash");
    }

    @Test
    void http10GetsAWholeAnswerAndTheConnectionClosed() {
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.0", CHAT, CLIENT_KEY, "", chat("demo"))).read();
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.chunked()).isFalse();
            assertThat(answer.header("content-length")).isNotNull();
            assertThat(answer.body()).contains("chat.completion");
            assertThat(client.closedWithin(PROMPTLY)).as("closed after the answer").isTrue();
        }
    }

    @Test
    void http10StreamIsCloseDelimited() {
        UPSTREAM.enqueue("deepseek", shortStream(20));
        try (RawHttp client = new RawHttp(PORT)) {
            long start = System.nanoTime();
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.0", CHAT, CLIENT_KEY, "", streamed())).read();
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(answer.header("transfer-encoding")).as("no chunks for HTTP/1.0").isNull();
            assertThat(answer.header("content-length")).isNull();
            assertThat(answer.header("connection")).isEqualToIgnoringCase("close");
            // read until the close: the whole stream, and the close came right after it
            assertThat(answer.body()).contains("two").endsWith("data: [DONE]\n\n");
            assertThat(Duration.ofNanos(answer.endNanos() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void http10KeepAliveStreamStillEndsWithTheClose() {
        UPSTREAM.enqueue("deepseek", shortStream(20));
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.0", CHAT, CLIENT_KEY,
                    "Connection: keep-alive\r\n", streamed())).read();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.header("transfer-encoding")).isNull();
            assertThat(answer.body()).endsWith("data: [DONE]\n\n");
        }
    }

    @Test
    void connectionCloseClosesAfterAWholeAnswer() {
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.1", CHAT, CLIENT_KEY, "Connection: close\r\n",
                    chat("demo"))).read();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.header("connection")).isEqualToIgnoringCase("close");
            assertThat(client.closedWithin(PROMPTLY)).isTrue();
        }
    }

    @Test
    void connectionCloseClosesAfterTheLastChunkOfAStream() {
        UPSTREAM.enqueue("deepseek", shortStream(20));
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.1", CHAT, CLIENT_KEY, "Connection: close\r\n",
                    streamed())).read();
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.chunked()).isTrue();
            assertThat(answer.header("connection")).isEqualToIgnoringCase("close");
            assertThat(answer.body()).endsWith("data: [DONE]\n\n");
            long last = System.nanoTime();
            assertThat(client.closedWithin(PROMPTLY)).as("closed after the last chunk").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - last)).isLessThan(Duration.ofMillis(500));
        }
    }

    @Test
    void keepAliveConnectionServesAStreamThenMoreRequests() {
        UPSTREAM.enqueue("deepseek", shortStream(20));
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer first = client.send(RawHttp.post("HTTP/1.1", CHAT, CLIENT_KEY, "", streamed())).read();
            assertThat(first.chunked()).isTrue();
            assertThat(first.header("connection")).isNotEqualToIgnoringCase("close");
            assertThat(first.body()).endsWith("data: [DONE]\n\n");
            RawHttp.Answer second = client.send(RawHttp.post("HTTP/1.1", CHAT, CLIENT_KEY, "", chat("demo"))).read();
            assertThat(second.status()).isEqualTo(200);
            RawHttp.Answer health = client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
            assertThat(health.status()).isEqualTo(200);
            assertThat(client.closedWithin(Duration.ofMillis(300))).as("kept alive").isFalse();
        }
    }

    @Test
    void aMalformedRequestPipelinedBehindAStreamIsRefusedAfterTheStreamEnds(CapturedOutput output) {
        UPSTREAM.enqueue("deepseek", shortStream(200));
        try (RawHttp client = new RawHttp(PORT)) {
            client.send(RawHttp.post("HTTP/1.1", CHAT, CLIENT_KEY, "", streamed())
                    + "POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}");
            RawHttp.Answer stream = client.read();
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.body()).as("whole, nothing written into it").startsWith("data: {")
                    .endsWith("data: [DONE]\n\n").doesNotContain("invalid_http_request");
            assertOpenAiError(client.read(), 400, "invalid_http_request");
            assertThat(client.closedWithin(Duration.ofSeconds(3))).isTrue();
        }
        assertThat(output.getAll()).doesNotContain(" WARN ").doesNotContainPattern("\\n\\s+at io\\.netty\\.");
    }

    @Test
    void oversizeHeaderIs431() {
        String big = "X-Big: " + "a".repeat(100_000) + "\r\n";
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.1", CHAT, CLIENT_KEY, big, chat("demo"))).read();
            assertOpenAiError(answer, 431, "request_header_fields_too_large");
            assertThat(client.closedWithin(Duration.ofSeconds(3))).isTrue();
        }
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.1", "/v1/messages", CLIENT_KEY, big, "{}")).read();
            assertThat(answer.status()).isEqualTo(431);
            JsonNode body = parse(answer);
            assertThat(body.path("type").asText()).as("Anthropic's shape: " + answer.body()).isEqualTo("error");
            assertThat(body.path("error").path("message").asText()).isNotBlank();
        }
    }

    @Test
    void oversizeUriIs414() {
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer answer = client.send("GET /v1/models?q=" + "a".repeat(60_000)
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
            assertOpenAiError(answer, 414, "uri_too_long");
        }
    }

    @Test
    void badContentLengthIs400() {
        for (String length : new String[] {"abc", "-5", "5, 6"}) {
            try (RawHttp client = new RawHttp(PORT)) {
                RawHttp.Answer answer = client.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                        + length + "\r\n\r\n{}").read();
                assertOpenAiError(answer, 400, "invalid_http_request");
            }
        }
    }

    @Test
    void http10WithoutHostIsServedAndHttp11WithoutHostIsAnOpenAiError() {
        try (RawHttp client = new RawHttp(PORT)) {
            RawHttp.Answer answer = client.send("GET /health HTTP/1.0\r\n\r\n").read();
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            assertThat(client.closedWithin(PROMPTLY)).isTrue();
        }
        try (RawHttp client = new RawHttp(PORT)) {
            assertOpenAiError(client.send("GET /health HTTP/1.1\r\n\r\n").read(), 400, "invalid_http_request");
        }
        try (RawHttp client = new RawHttp(PORT)) {
            assertOpenAiError(client.send("TRACE / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read(), 405,
                    "method_not_allowed");
        }
    }

    @Test
    void aMalformedEscapeInThePathIsAnOpenAiError() {
        for (String path : new String[] {"/v1/models%zz", "/v1/chat/completions%"}) {
            try (RawHttp client = new RawHttp(PORT)) {
                RawHttp.Answer answer = client.send(RawHttp.post("HTTP/1.1", path, CLIENT_KEY, "", chat("demo"))).read();
                assertOpenAiError(answer, 400, "invalid_http_request");
            }
        }
    }

    @Test
    void halfSentRequestsLeaveNoStackTrace(CapturedOutput output) throws Exception {
        for (int i = 0; i < 20; i++) {
            try (RawHttp client = new RawHttp(PORT)) {
                client.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le");
            }
            try (RawHttp client = new RawHttp(PORT)) {
                client.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"model\"");
            }
            try (RawHttp client = new RawHttp(PORT)) {
                client.send("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
            }
        }
        // the gateway still answers, and what it logged has no stack trace
        try (RawHttp client = new RawHttp(PORT)) {
            assertThat(client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read().status()).isEqualTo(200);
        }
        Thread.sleep(300);
        assertThat(output.getAll()).doesNotContain("PrematureChannelClosureException")
                .doesNotContainPattern("\\n\\s+at io\\.netty\\.");
    }

    static void assertOpenAiError(RawHttp.Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.header("content-type")).isEqualTo("application/json");
        JsonNode error = parse(answer).path("error");
        assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code"))
                .as("all four fields in " + answer.body()).isTrue();
        assertThat(error.path("code").isTextual()).isTrue();
        assertThat(error.path("code").asText()).isEqualTo(code);
    }

    static JsonNode parse(RawHttp.Answer answer) {
        try {
            return JSON.readTree(answer.body().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + answer.body(), e);
        }
    }
}
