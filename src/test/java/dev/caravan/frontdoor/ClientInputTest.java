package dev.caravan.frontdoor;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.testing.GatewayTest;
import dev.caravan.testing.LedgerRows;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What a client sends and the gateway echoes: error bodies quote a bounded slice of it, the request log holds it
 * cut and escaped (one line per request, whatever the value), the ledger stores it without what the database
 * refuses; and request bodies the gateway can judge itself are refused with the field named.
 */
@ExtendWith(OutputCaptureExtension.class)
class ClientInputTest extends GatewayTest {

    private static final String CHAT = "/v1/chat/completions";
    private static final String HELLO = "[{\"role\":\"user\",\"content\":\"hello\"}]";

    @Autowired
    private JdbcTemplate db;

    @Test
    void aHugeModelNameGetsA404QuotingAFewHundredCharactersAndABoundedLogLine(CapturedOutput output)
            throws Exception {
        String model = "m".repeat(8 * 1024 * 1024);
        HttpResponse<String> response = post(CHAT, "{\"model\":\"" + model + "\",\"messages\":" + HELLO + "}");

        JsonNode error = assertError(response, 404, "model_not_found");
        assertThat(response.body().length()).isLessThan(1000);
        assertThat(error.path("message").asText()).startsWith("The model 'mmmm").contains("…' does not exist");
        String line = logLine(output, requestId(response));
        assertThat(line.length()).isLessThan(1000);
        assertThat(line).contains(" model=mmm").contains("…");
        assertThat(LedgerRows.awaitStatuses(db, List.of(requestId(response)))).containsValue(404);
        assertThat(db.queryForObject("select model from usage_record where request_id = ?", String.class,
                requestId(response))).hasSize(300);
    }

    @Test
    void controlCharactersInTheModelAreEscapedInTheLogLine(CapturedOutput output) throws Exception {
        HttpResponse<String> response = post(CHAT, "{\"model\":\"evil\\r\\nstatus=200 model=demo\\u0000\\u001b[31m\","
                + "\"messages\":" + HELLO + "}");

        assertError(response, 404, "model_not_found");
        String line = logLine(output, requestId(response));
        assertThat(line).contains("model=\"evil\\r\\nstatus=200 model=demo\\0\\u001b[31m\"");
        assertThat(output.getOut()).doesNotContain("evil\r").doesNotContain("evil\n").doesNotContain("demo\0");
        assertThat(LedgerRows.awaitStatuses(db, List.of(requestId(response)))).containsValue(404);
        assertThat(db.queryForObject("select model from usage_record where request_id = ?", String.class,
                requestId(response))).isEqualTo("evil\r\nstatus=200 model=demo\uFFFD\u001b[31m");
    }

    @Test
    void aNulInThePathIsEscapedInTheLogAndStoredInTheLedger(CapturedOutput output) throws Exception {
        String response = raw("GET /v1/x\0y HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + CLIENT_KEY
                + "\r\nConnection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 404").contains("\"code\":\"not_found\"");
        Matcher id = Pattern.compile("(?i)x-request-id: (\\S+)").matcher(response);
        assertThat(id.find()).as(response).isTrue();
        String line = logLine(output, id.group(1));
        assertThat(line).contains("path=\"/v1/x\\0y\"");
        assertThat(output.getOut()).doesNotContain("/v1/x\0y");
        assertThat(LedgerRows.awaitStatuses(db, List.of(id.group(1)))).containsValue(404);
        assertThat(db.queryForObject("select path from usage_record where request_id = ?", String.class,
                id.group(1))).isEqualTo("/v1/x\uFFFDy");
    }

    @Test
    void anUnknownPathOrMethodIsQuotedShort() {
        String path = "/v1/" + "p".repeat(3000);
        JsonNode notFound = assertError(get(path, CLIENT_KEY), 404, "not_found");
        assertThat(notFound.path("message").asText()).startsWith("Unknown path: /v1/ppp").endsWith("…").hasSize(300);

        JsonNode notAllowed = assertError(send(java.net.http.HttpRequest.newBuilder(uri("/v1/models/" + "q".repeat(3000)))
                .header("Authorization", "Bearer " + CLIENT_KEY).DELETE()), 405, "method_not_allowed");
        assertThat(notAllowed.path("message").asText()).startsWith("Method DELETE is not allowed on /v1/models/qqq")
                .hasSize(300);
    }

    @Test
    void requestsTheGatewayCanJudgeGet400WithTheFieldNamed() {
        record Case(String body, String code, String param) {
        }
        for (Case c : List.of(
                new Case("{\"model\":\"demo\",\"messages\":[]}", "empty_array", "messages"),
                new Case("{\"model\":\"demo\",\"messages\":[null]}", "invalid_type", "messages[0]"),
                new Case("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":{\"text\":\"hi\"}}]}",
                        "invalid_type", "messages[0].content"),
                new Case("{\"model\":\"demo\",\"max_tokens\":-5,\"messages\":" + HELLO + "}", "integer_below_min_value",
                        "max_tokens"),
                new Case("{\"model\":\"demo\",\"n\":-3,\"messages\":" + HELLO + "}", "integer_below_min_value", "n"))) {
            JsonNode error = assertError(post(CHAT, c.body()), 400, c.code());
            assertThat(error.path("param").asText()).as(c.body()).isEqualTo(c.param());
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        }
        assertThat(UPSTREAM.received()).as("none reached a provider").isEmpty();
        // bounds that are each provider's to judge pass through, as sent
        String theirs = "{\"model\":\"deepseek-flash\",\"max_completion_tokens\":-5,\"temperature\":9,\"messages\":"
                + HELLO + "}";
        assertThat(post(CHAT, theirs).statusCode()).isEqualTo(200);
        JsonNode forwarded = UPSTREAM.last("deepseek").json();
        assertThat(forwarded.path("temperature").asInt()).isEqualTo(9);
        assertThat(forwarded.path("max_completion_tokens").asInt() + forwarded.path("max_tokens").asInt()).isEqualTo(-5);
    }

    private static String requestId(HttpResponse<String> response) {
        return response.headers().firstValue("x-request-id").orElseThrow();
    }

    /** The request log line of the request, once written. */
    private static String logLine(CapturedOutput output, String requestId) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        Optional<String> line;
        do {
            line = output.getOut().lines().filter(l -> l.contains("request_id=" + requestId)).findFirst();
            if (line.isEmpty()) {
                Thread.sleep(20);
            }
        } while (line.isEmpty() && System.nanoTime() < deadline);
        return line.orElseThrow(() -> new AssertionError("no request log line for " + requestId));
    }

    /** Sends bytes as they are (what an HTTP client library would refuse to) and reads the whole answer. */
    private static String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", PORT)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                answer.write(buffer, 0, n);
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }
}
