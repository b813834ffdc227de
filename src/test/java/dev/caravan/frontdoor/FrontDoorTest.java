package dev.caravan.frontdoor;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.FakeProviders;
import dev.caravan.testing.FakeProviders.Answer;
import dev.caravan.testing.GatewayTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The HTTP front door: authentication, dispatch, validation, limits, headers, routing by model. */
@ExtendWith(OutputCaptureExtension.class)
class FrontDoorTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";

    @Test
    void refusesMissingAndWrongKeys() {
        HttpResponse<String> missing = send(HttpRequest.newBuilder(uri(CHAT))
                .POST(HttpRequest.BodyPublishers.ofString(chat("demo"))));
        assertError(missing, 401, "invalid_api_key");
        assertError(post(CHAT, chat("demo"), "sk-wrong"), 401, "invalid_api_key");
        assertError(get("/v1/models", "sk-wrong"), 401, "invalid_api_key");
        assertThat(UPSTREAM.received()).isEmpty();
    }

    @Test
    void demoProviderAnswersWithUsage() {
        HttpResponse<String> response = post(CHAT, chat("demo"));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("choices").path(0).path("message").path("content").asText()).contains("hello");
        assertThat(body.path("usage").path("total_tokens").asInt()).isPositive();
        JsonNode again = json(post(CHAT, chat("demo")));
        assertThat(again.path("choices")).as("deterministic").isEqualTo(body.path("choices"));
        assertThat(again.path("usage")).isEqualTo(body.path("usage"));
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("demo");
    }

    @Test
    void unknownModelIs404BeforeAnyUpstreamCall() {
        long start = System.nanoTime();
        JsonNode error = assertError(post(CHAT, chat("no-such-model")), 404, "model_not_found");
        assertThat(error.path("param").asText()).isEqualTo("model");
        assertError(post(CHAT, chat("nosuchprovider/model")), 404, "model_not_found");
        assertThat(UPSTREAM.received()).isEmpty();
        assertThat(System.nanoTime() - start).as("no wait for a missing route").isLessThan(5_000_000_000L);
    }

    @Test
    void aliasesRouteToTheirTarget() {
        HttpResponse<String> coder = post(CHAT, chat("coder"));
        assertThat(coder.headers().firstValue("x-caravan-provider")).hasValue("qwen");
        assertThat(UPSTREAM.last("qwen").json().path("model").asText()).isEqualTo("qwen3.8-max");

        HttpResponse<String> fast = post(CHAT, chat("fast"));
        assertThat(fast.headers().firstValue("x-caravan-provider")).hasValue("glm");
        assertThat(UPSTREAM.last("glm").json().path("model").asText()).isEqualTo("glm-5.3-flash");
    }

    @Test
    void aProviderAddedAsOneYamlBlockServesItsPublicNames() {
        HttpResponse<String> response = post(CHAT, chat("house-model"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-caravan-provider")).hasValue("custom");
        assertThat(UPSTREAM.last("custom").json().path("model").asText()).isEqualTo("vendor/house-model-v2");
    }

    @Test
    void providerWithoutKeyIsNeitherRoutableNorListed() {
        assertError(post(CHAT, chat("keyless-model")), 404, "model_not_found");
        assertError(post(CHAT, chat("keyless/keyless-model")), 404, "model_not_found");
        assertThat(get("/v1/models", CLIENT_KEY).body()).doesNotContain("keyless");
        assertThat(UPSTREAM.received("keyless")).isEmpty();
    }

    @Test
    void modelsListShowsRoutableModelsAndAliases() {
        JsonNode list = json(get("/v1/models", CLIENT_KEY));

        assertThat(list.path("object").asText()).isEqualTo("list");
        List<String> ids = list.path("data").findValuesAsText("id");
        assertThat(ids).contains("demo", "deepseek-flash", "qwen-plus", "glm-5.3-flash", "house-model", "coder", "fast");
        assertThat(ids).doesNotHaveDuplicates();
        assertError(get("/v1/models/no-such-model", CLIENT_KEY), 404, "model_not_found");
        assertThat(json(get("/v1/models/deepseek/deepseek-flash", CLIENT_KEY)).path("owned_by").asText())
                .isEqualTo("deepseek");
    }

    @Test
    void keysOnlyReachTheirModels() {
        assertThat(post(CHAT, chat("deepseek-flash"), LIMITED_KEY).statusCode()).isEqualTo(200);
        assertThat(post(CHAT, chat("glm/glm-5.3-flash"), LIMITED_KEY).statusCode()).isEqualTo(200);
        assertThat(post(CHAT, chat("glm-5.3-flash"), LIMITED_KEY).statusCode())
                .as("a listed name of an allowed <provider>/<model>").isEqualTo(200);
        assertError(post(CHAT, chat("qwen-plus"), LIMITED_KEY), 404, "model_not_found");
        assertError(post(CHAT, chat("demo"), LIMITED_KEY), 404, "model_not_found");

        List<String> ids = json(get("/v1/models", LIMITED_KEY)).path("data").findValuesAsText("id");
        assertThat(ids).contains("deepseek-flash", "glm-5.3-flash").doesNotContain("qwen-plus", "demo");
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() {
        assertError(get("/v1/nothing-here", CLIENT_KEY), 404, "not_found");
        assertError(get(CHAT, CLIENT_KEY), 405, "method_not_allowed");
        assertError(post("/v1/models", "{}"), 405, "method_not_allowed");
        assertError(send(HttpRequest.newBuilder(uri("/v1/embeddings")).header("Authorization", "Bearer " + CLIENT_KEY)
                .PUT(HttpRequest.BodyPublishers.ofString("{}"))), 405, "method_not_allowed");
        // the admin API: its key first, then the same table
        assertError(post("/admin/routes", "{}", CLIENT_KEY), 401, "invalid_api_key");
        assertError(post("/admin/routes", "{}", ADMIN_KEY), 405, "method_not_allowed");
        assertError(post("/metrics", "{}", ADMIN_KEY), 405, "method_not_allowed");
        assertError(get("/admin/nothing-here", ADMIN_KEY), 404, "not_found");
        assertThat(send(HttpRequest.newBuilder(uri("/health")).GET()).statusCode()).as("probes need no key")
                .isEqualTo(200);
    }

    @Test
    void badBodiesGet400AndChangeNothing() {
        assertError(post(CHAT, "{\"model\":\"demo\",\"messages\":["), 400, "invalid_json");
        assertError(post(CHAT, "not json"), 400, "invalid_json");
        assertError(post(CHAT, "[1,2]"), 400, "invalid_json");
        assertError(post(CHAT, "{\"model\":\"demo\",\"messages\":[]} trailing"), 400, "invalid_json");
        assertError(post(CHAT, ""), 400, "invalid_json");
        assertThat(assertError(post(CHAT, "{\"messages\":[]}"), 400, "missing_required_parameter")
                .path("param").asText()).isEqualTo("model");
        assertError(post(CHAT, "{\"model\":\"demo\"}"), 400, "missing_required_parameter");
        assertThat(assertError(post(CHAT, "{\"model\":42,\"messages\":[]}"), 400, "invalid_type")
                .path("param").asText()).isEqualTo("model");
        assertError(post(CHAT, "{\"model\":\"demo\",\"messages\":\"hi\"}"), 400, "invalid_type");
        assertError(post(CHAT, "{\"model\":\"demo\",\"messages\":[],\"temperature\":\"hot\"}"), 400, "invalid_type");
        assertError(post(CHAT, "{\"model\":\"demo\",\"messages\":[],\"stream\":\"yes\"}"), 400, "invalid_type");
        assertError(post("/v1/embeddings", "{\"model\":\"demo\"}"), 400, "missing_required_parameter");
        assertError(post("/v1/embeddings", "{\"model\":\"demo\",\"input\":5}"), 400, "invalid_type");
        assertThat(UPSTREAM.received()).isEmpty();
    }

    @Test
    void jsonSentAsAFormStillGetsAnAnswer() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(CHAT))
                .header("Authorization", "Bearer " + CLIENT_KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(chat("demo"))));

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void oneMebibytePromptReachesTheProviderIntact() throws Exception {
        String content = IntStream.range(0, 1 << 20).mapToObj(i -> String.valueOf((char) ('a' + i % 26)))
                .reduce(new StringBuilder(), StringBuilder::append, StringBuilder::append)
                .append("\u00e9\u4e2d\"\\n").toString();
        String body = "{\"model\":\"deepseek-flash\",\"messages\":[{\"role\":\"user\",\"content\":"
                + JSON.writeValueAsString(content) + "}]}";

        HttpResponse<String> response = post(CHAT, body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String received = UPSTREAM.last("deepseek").json().path("messages").path(0).path("content").asText();
        assertThat(sha256(received)).isEqualTo(sha256(content));
    }

    @Test
    void bodiesOverTheLimitGet413() throws Exception {
        byte[] huge = new byte[17 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        huge[huge.length - 1] = '}';
        HttpResponse<String> declared = send(HttpRequest.newBuilder(uri(CHAT))
                .header("Authorization", "Bearer " + CLIENT_KEY).POST(HttpRequest.BodyPublishers.ofByteArray(huge)));
        assertError(declared, 413, "request_too_large");

        // chunked: no Content-Length to check up front
        HttpResponse<String> chunked = send(HttpRequest.newBuilder(uri(CHAT))
                .header("Authorization", "Bearer " + CLIENT_KEY)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge))));
        assertError(chunked, 413, "request_too_large");
        assertThat(UPSTREAM.received()).isEmpty();
    }

    @Test
    void requestIdIsTheClientsOrNew() {
        HttpResponse<String> given = send(HttpRequest.newBuilder(uri(CHAT)).header("Authorization", "Bearer " + CLIENT_KEY)
                .header("x-request-id", "client-id-123").POST(HttpRequest.BodyPublishers.ofString(chat("demo"))));
        assertThat(given.headers().firstValue("x-request-id")).hasValue("client-id-123");

        HttpResponse<String> generated = post(CHAT, chat("demo"));
        HttpResponse<String> failed = post(CHAT, "{");
        assertThat(generated.headers().firstValue("x-request-id")).isPresent();
        assertThat(failed.headers().firstValue("x-request-id")).isPresent()
                .isNotEqualTo(generated.headers().firstValue("x-request-id"));
    }

    @Test
    void clientHeadersCannotSteerCamelNorReachTheProvider() {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(CHAT))
                .header("Authorization", "Bearer " + CLIENT_KEY)
                .header("CamelHttpUri", "http://127.0.0.1:" + UPSTREAM.port() + "/evil/chat/completions")
                .header("camelhttpuri", "http://127.0.0.1:" + UPSTREAM.port() + "/evil/chat/completions")
                .header("CamelHttpPath", "/evil")
                .header("CamelHttpMethod", "GET")
                .header("CamelHttpResponseCode", "299")
                .header("CAMELHTTPQUERY", "x=1")
                .header("Cookie", "session=secret")
                .header("X-Forwarded-For", "10.0.0.1")
                .header("X-Custom", "client-value")
                .POST(HttpRequest.BodyPublishers.ofString(chat("deepseek-flash")));

        HttpResponse<String> response = send(request);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(UPSTREAM.received("evil")).isEmpty();
        FakeProviders.Received sent = UPSTREAM.last("deepseek");
        assertThat(sent.path()).isEqualTo("/deepseek/chat/completions");
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + providerKey("deepseek"));
        assertThat(Set.of("host", "content-length", "content-type", "accept", "authorization", "user-agent",
                "connection", "upgrade", "http2-settings")).containsAll(sent.headers().keySet());
        assertThat(response.headers().map().keySet()).doesNotContain("x-custom", "cookie", "camelhttpuri",
                "camelhttppath", "authorization");
        assertThat(String.valueOf(response.headers().map())).doesNotContain(CLIENT_KEY);
    }

    @Test
    void queryParametersDoNotBecomeHeaders() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(CHAT + "?CamelHttpUri=http://127.0.0.1:1/x"
                + "&authorization=Bearer%20" + CLIENT_KEY)).POST(HttpRequest.BodyPublishers.ofString(chat("demo"))));

        assertError(response, 401, "invalid_api_key");
    }

    @Test
    void slowProviderTimesOutWith504() {
        failEveryAttempt("slow", Answer.json(200, "{}").delayed(3_000));

        JsonNode error = assertError(post(CHAT, chat("slow-model")), 504, "upstream_timeout");

        assertThat(error.path("message").asText()).contains("slow");
    }

    @Test
    void unreachableProviderIs502() {
        assertError(post(CHAT, chat("down-model")), 502, "upstream_connection_failed");
    }

    @Test
    void upstreamConnectionsAreKeptAlive() {
        Set<Integer> open = UPSTREAM.connections();
        for (int i = 0; i < 8; i++) {
            assertThat(post(CHAT, chat("deepseek-flash")).statusCode()).isEqualTo(200);
        }
        // earlier tests may have left idle connections, any of which may be taken; at most one is new
        assertThat(UPSTREAM.received("deepseek").stream().map(FakeProviders.Received::remotePort)
                .filter(port -> !open.contains(port)).distinct()).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void noThreadWaitsForTheProvider() {
        // far more concurrent slow calls than the front door has threads: blocking would serialise them
        int calls = 40;
        for (int i = 0; i < calls; i++) {
            UPSTREAM.enqueue("openai", Answer.json(200, "{\"object\":\"chat.completion\",\"choices\":[]}").delayed(1_000));
        }
        long start = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, calls)
                .mapToObj(i -> CLIENT.sendAsync(HttpRequest.newBuilder(uri(CHAT))
                        .header("Authorization", "Bearer " + CLIENT_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(chat("gpt-4o"))).build(),
                        HttpResponse.BodyHandlers.ofString()))
                .toList();
        responses.forEach(r -> assertThat(r.join().statusCode()).isEqualTo(200));
        long millis = (System.nanoTime() - start) / 1_000_000;

        // 40 one-second calls on the front door's I/O thread(s) would take 20 s or more if each held one
        assertThat(millis).isLessThan(6_000);
    }

    @Test
    void healthAndReadinessNeedNoKey() {
        assertThat(send(HttpRequest.newBuilder(uri("/health")).GET()).body()).contains("ok");
        HttpResponse<String> ready = send(HttpRequest.newBuilder(uri("/ready")).GET());
        assertThat(ready.statusCode()).isEqualTo(200);
    }

    @Test
    void providerKeysNeverReachResponsesOrLogs(CapturedOutput output) {
        for (String provider : PRESETS) {
            UPSTREAM.enqueue(provider, Answer.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: "
                    + providerKey(provider) + "\",\"code\":\"invalid_api_key\"}}"));
            HttpResponse<String> response = post(CHAT, chat(provider + "/m"));
            assertError(response, 502, "provider_auth_failed");
            assertThat(response.body()).doesNotContain(providerKey(provider));
        }
        post(CHAT, chat("down-model"));
        post(CHAT, chat("deepseek-flash"));

        for (String provider : PRESETS) {
            assertThat(output.getAll()).doesNotContain(providerKey(provider));
        }
        assertThat(output.getAll()).doesNotContain(CLIENT_KEY);
    }

    @Test
    void rawSocketGarbageGetsAnAnswerNotAHang() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", PORT)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + CLIENT_KEY
                    + "\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\n\u0000\u0001\u0002")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 400").contains("\"code\":\"invalid_json\"");
        }
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
