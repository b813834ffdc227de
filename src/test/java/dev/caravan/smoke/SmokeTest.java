package dev.caravan.smoke;

import static dev.caravan.testing.OpenAiErrors.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.smoke.CheckResult.Outcome;
import dev.caravan.smoke.ScriptedModel.Mistake;
import dev.caravan.testing.GatewayTest;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.w3c.dom.Document;

/**
 * The smoke suite through the gateway: a provider that answers right passes everything, one scripted to
 * make given mistakes fails exactly those checks, and the demo passes what it can by construction.
 */
class SmokeTest extends GatewayTest {

    private static final String GOOD = "openai/gpt-4o-mini";
    private static final String SLOPPY = "groq/openai/gpt-oss-120b";

    @Autowired
    private SmokeRunner runner;

    @Test
    void aReportNamesExactlyTheChecksEachRouteFails(@TempDir Path dir) throws Exception {
        UPSTREAM.respond("openai", ScriptedModel.correct()::answer);
        UPSTREAM.respond("groq", ScriptedModel.making(Mistake.BAD_TOOL_ARGUMENTS, Mistake.INVALID_JSON,
                Mistake.NO_STREAM_USAGE, Mistake.WRONG_ERROR_SHAPE, Mistake.EDIT_DOES_NOT_APPLY)::answer);
        List<String> progress = new ArrayList<>();

        SmokeReport report = runner.run(List.of(GOOD, SLOPPY, "demo"), progress::add);

        assertThat(progress).hasSize(30).first().isEqualTo("[1/30] " + GOOD + " chat");
        assertThat(outcomes(report, GOOD)).containsOnlyKeys(Outcome.PASS);
        Map<Outcome, Set<Check>> sloppy = outcomes(report, SLOPPY);
        assertThat(sloppy.get(Outcome.FAIL)).containsExactlyInAnyOrder(Check.STREAM, Check.TOOLS, Check.JSON,
                Check.ERRORS, Check.EDIT, Check.RESPONSES, Check.MESSAGES);
        assertThat(sloppy.get(Outcome.PASS)).containsExactlyInAnyOrder(Check.CHAT, Check.LONG_CONTEXT,
                Check.REPO_READ);
        assertThat(detail(report, SLOPPY, Check.TOOLS)).contains("do not fit the schema");
        assertThat(detail(report, SLOPPY, Check.JSON)).startsWith("json_object: the content do not parse as JSON");
        assertThat(detail(report, SLOPPY, Check.STREAM)).contains("no usage");
        assertThat(detail(report, SLOPPY, Check.ERRORS)).contains("not an OpenAI error object");
        assertThat(check(report, SLOPPY, Check.ERRORS).errorBody()).isEqualTo("{\"detail\":\"temperature out of range\"}");
        assertThat(detail(report, SLOPPY, Check.EDIT)).startsWith("the edit does not apply");
        // the agents' protocols see the same bad call, through their own front doors
        assertThat(detail(report, SLOPPY, Check.RESPONSES)).startsWith("the call's arguments do not fit the schema");
        assertThat(detail(report, SLOPPY, Check.MESSAGES)).startsWith("the tool_use input do not fit the schema");
        assertThat(detail(report, GOOD, Check.RESPONSES)).startsWith("called get_weather(");
        assertThat(check(report, GOOD, Check.MESSAGES).ttftMillis()).isNotNull();
        Map<Outcome, Set<Check>> demo = outcomes(report, "demo/demo");
        assertThat(demo.get(Outcome.PASS)).hasSize(8);
        assertThat(demo.get(Outcome.NOT_APPLICABLE)).containsExactlyInAnyOrder(Check.REPO_READ, Check.EDIT);
        assertThat(report.passed()).as("tools, json, stream and errors are required").isFalse();

        // what the failing route cost, at Groq's list price, over the three answers it got right
        SmokeReport.RouteResult groq = route(report, SLOPPY);
        assertThat(groq.acceptedRate()).isEqualTo(3 / 10.0);
        assertThat(groq.cost()).isPositive();
        assertThat(groq.costPerAcceptedResponse()).isEqualByComparingTo(
                groq.cost().divide(BigDecimal.valueOf(3), MathContext.DECIMAL64));
        assertThat(check(report, GOOD, Check.STREAM).ttftMillis()).as(check(report, GOOD, Check.STREAM).toString()).isNotNull();

        report.write(dir);
        JsonNode json = JSON.readTree(dir.resolve("report.json").toFile());
        assertThat(json.path("passed").asBoolean()).isFalse();
        assertThat(json.path("routes").get(1).path("checks").get(3).path("outcome").asText()).isEqualTo("fail");
        Document junit = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("junit.xml"))));
        assertThat(junit.getElementsByTagName("testcase").getLength()).isEqualTo(30);
        assertThat(junit.getElementsByTagName("failure").getLength()).isEqualTo(7);
        assertThat(junit.getElementsByTagName("skipped").getLength()).isEqualTo(2);
        String html = Files.readString(dir.resolve("report.html"));
        // self-contained: nothing to load
        assertThat(html).contains("<svg", SLOPPY, "temperature out of range").doesNotContain("<script", "src=",
                "href=", "@import");
        assertThat(report.consoleTable()).contains(SLOPPY + " tools: the tool arguments do not fit the schema")
                .endsWith("FAILED: a required check failed\n");
    }

    @Test
    void onlyRequiredChecksFailARun() {
        UPSTREAM.respond("groq", ScriptedModel.making(Mistake.EDIT_DOES_NOT_APPLY)::answer);

        SmokeReport report = runner.run(List.of(SLOPPY), line -> { });

        assertThat(outcomes(report, SLOPPY).get(Outcome.FAIL)).containsExactly(Check.EDIT);
        assertThat(report.passed()).as("edit is not required by default").isTrue();
        assertThat(new SmokeReport(report.routes(), List.of(Check.EDIT), "USD").passed()).isFalse();
    }

    @Test
    void theAdminEndpointRunsTheSuite() throws Exception {
        HttpResponse<String> json = send(HttpRequest.newBuilder(uri("/admin/smoke?models=demo"))
                .header("Authorization", "Bearer " + ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
        assertThat(JSON.readTree(json.body()).path("passed").asBoolean()).isTrue();

        HttpResponse<String> html = send(HttpRequest.newBuilder(uri("/admin/smoke?models=fast"))
                .header("Authorization", "Bearer " + ADMIN_KEY).header("Accept", "text/html")
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(html.headers().firstValue("content-type").orElseThrow()).startsWith("text/html");
        assertThat(html.body()).contains("glm/glm-5.3-flash");

        assertError(send(HttpRequest.newBuilder(uri("/admin/smoke?models=no-such-model"))
                .header("Authorization", "Bearer " + ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody())),
                400, "invalid_value");
        assertError(send(HttpRequest.newBuilder(uri("/admin/smoke")).header("Authorization", "Bearer " + CLIENT_KEY)
                .POST(HttpRequest.BodyPublishers.noBody())), 401, "invalid_api_key");
    }

    private static Map<Outcome, Set<Check>> outcomes(SmokeReport report, String route) {
        return route(report, route).checks().stream().collect(Collectors.groupingBy(CheckResult::outcome,
                Collectors.mapping(CheckResult::check, Collectors.toCollection(() -> EnumSet.noneOf(Check.class)))));
    }

    private static SmokeReport.RouteResult route(SmokeReport report, String route) {
        return report.routes().stream().filter(r -> r.route().equals(route)).findFirst().orElseThrow();
    }

    private static CheckResult check(SmokeReport report, String route, Check check) {
        return route(report, route).checks().stream().filter(c -> c.check() == check).findFirst().orElseThrow();
    }

    private static String detail(SmokeReport report, String route, Check check) {
        return check(report, route, check).detail();
    }

}
