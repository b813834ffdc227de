package dev.caravan.smoke;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A smoke run's results, and the ways they are shown: console table, {@code report.json}, JUnit XML (for CI
 * systems) and a self-contained HTML page with a chart of latency and cost per route.
 */
public record SmokeReport(List<RouteResult> routes, List<Check> required, String currency, Instant time) {

    SmokeReport(List<RouteResult> routes, List<Check> required, String currency) {
        this(routes, required, currency, Instant.now());
    }

    /** One route's checks. */
    record RouteResult(String route, String provider, String upstreamModel, List<CheckResult> checks) {

        long applicable() {
            return checks.stream().filter(c -> c.outcome() != CheckResult.Outcome.NOT_APPLICABLE).count();
        }

        long accepted() {
            return checks.stream().filter(CheckResult::passed).count();
        }

        /** Accepted responses over the checks that apply. */
        double acceptedRate() {
            return applicable() == 0 ? 0 : (double) accepted() / applicable();
        }

        /** Of every call; {@code null} when one of them was unpriced. */
        BigDecimal cost() {
            BigDecimal total = BigDecimal.ZERO;
            for (CheckResult check : checks) {
                if (check.cost() == null) {
                    return null;
                }
                total = total.add(check.cost());
            }
            return total;
        }

        /** The cost of every call over the accepted responses; {@code null} with none, or an unknown cost. */
        BigDecimal costPerAcceptedResponse() {
            return accepted() == 0 || cost() == null ? null
                    : cost().divide(BigDecimal.valueOf(accepted()), MathContext.DECIMAL64);
        }

        long latencyMillis() {
            return checks.stream().mapToLong(CheckResult::latencyMillis).sum();
        }
    }

    /** Whether no required check failed on any route (a check that does not apply is no failure). */
    public boolean passed() {
        return routes.stream().flatMap(r -> r.checks().stream())
                .noneMatch(c -> c.outcome() == CheckResult.Outcome.FAIL && required.contains(c.check()));
    }

    public String consoleTable() {
        StringBuilder table = new StringBuilder();
        int width = Math.max(5, routes.stream().mapToInt(r -> r.route().length()).max().orElse(5));
        table.append(String.format("%-" + width + "s", "route"));
        for (Check check : Check.values()) {
            table.append(String.format(" %-13s", check.id() + (required.contains(check) ? "*" : "")));
        }
        table.append(" accepted  cost/accepted\n");
        for (RouteResult route : routes) {
            table.append(String.format("%-" + width + "s", route.route()));
            for (CheckResult check : route.checks()) {
                String cell = switch (check.outcome()) {
                    case PASS -> "pass " + check.latencyMillis() + "ms";
                    case FAIL -> "FAIL " + check.latencyMillis() + "ms";
                    case NOT_APPLICABLE -> "n/a";
                };
                table.append(String.format(" %-13s", cell));
            }
            table.append(String.format(" %3d%%      %s%n", Math.round(route.acceptedRate() * 100),
                    money(route.costPerAcceptedResponse())));
        }
        table.append("* required.");
        routes.forEach(route -> route.checks().stream().filter(c -> c.outcome() == CheckResult.Outcome.FAIL)
                .forEach(c -> table.append(String.format("%n%s %s: %s", route.route(), c.check().id(), c.detail()))));
        return table.append('\n').append(passed() ? "PASSED" : "FAILED: a required check failed").append('\n')
                .toString();
    }

    public ObjectNode toJson() {
        ObjectNode report = Json.MAPPER.createObjectNode().put("object", "smoke_report").put("time", time.toString())
                .put("passed", passed()).put("currency", currency);
        ArrayNode requiredIds = report.putArray("required");
        required.forEach(check -> requiredIds.add(check.id()));
        ArrayNode routeNodes = report.putArray("routes");
        for (RouteResult route : routes) {
            ObjectNode node = routeNodes.addObject().put("route", route.route()).put("provider", route.provider())
                    .put("upstream_model", route.upstreamModel()).put("accepted", route.accepted())
                    .put("applicable", route.applicable()).put("accepted_rate", route.acceptedRate());
            node.put("cost", route.cost());
            node.put("cost_per_accepted_response", route.costPerAcceptedResponse());
            ArrayNode checks = node.putArray("checks");
            for (CheckResult c : route.checks()) {
                ObjectNode check = checks.addObject().put("check", c.check().id())
                        .put("outcome", c.outcome().name().toLowerCase(Locale.ROOT))
                        .put("required", required.contains(c.check())).put("latency_ms", c.latencyMillis());
                check.put("ttft_ms", c.ttftMillis());
                check.put("prompt_tokens", c.promptTokens()).put("completion_tokens", c.completionTokens());
                check.put("cost", c.cost());
                check.put("detail", c.detail()).put("error_body", c.errorBody());
            }
        }
        return report;
    }

    /** JUnit XML: a test case per route and check; a failed check is a failure, one that does not apply skipped. */
    public String junitXml() {
        try {
            Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
            Element suites = xml.createElement("testsuites");
            xml.appendChild(suites);
            for (RouteResult route : routes) {
                Element suite = xml.createElement("testsuite");
                suite.setAttribute("name", "smoke " + route.route());
                suite.setAttribute("tests", String.valueOf(route.checks().size()));
                suite.setAttribute("failures", String.valueOf(route.applicable() - route.accepted()));
                suite.setAttribute("skipped", String.valueOf(route.checks().size() - route.applicable()));
                suite.setAttribute("time", seconds(route.latencyMillis()));
                suite.setAttribute("timestamp", time.toString());
                suites.appendChild(suite);
                for (CheckResult c : route.checks()) {
                    Element test = xml.createElement("testcase");
                    test.setAttribute("classname", route.route());
                    test.setAttribute("name", c.check().id());
                    test.setAttribute("time", seconds(c.latencyMillis()));
                    if (c.outcome() != CheckResult.Outcome.PASS) {
                        Element outcome = xml.createElement(
                                c.outcome() == CheckResult.Outcome.FAIL ? "failure" : "skipped");
                        outcome.setAttribute("message", c.detail());
                        if (c.errorBody() != null) {
                            outcome.setTextContent(c.errorBody());
                        }
                        test.appendChild(outcome);
                    }
                    suite.appendChild(test);
                }
            }
            var transformer = TransformerFactory.newInstance().newTransformer();
            transformer.setOutputProperty(OutputKeys.INDENT, "yes");
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(xml), new StreamResult(out));
            return out.toString();
        } catch (ParserConfigurationException | TransformerException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One page, no external resources: the table, the failures, and bars of latency and cost per route. */
    public String html() {
        StringBuilder page = new StringBuilder("""
                <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Caravan smoke report</title>
                <style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
                td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.pass{background:#e3f6e3}
                .fail{background:#fbe1e1}.na{color:#888}pre{white-space:pre-wrap;max-width:60em}</style></head><body>
                """);
        page.append("<h1>Caravan smoke report</h1><p>").append(esc(time.toString())).append(" — <b>")
                .append(passed() ? "passed" : "failed: a required check failed").append("</b></p>");
        page.append(chart("Latency of all checks (ms)", routes.stream().map(r -> (double) r.latencyMillis()).toList()));
        page.append(chart("Cost of all checks (" + currency + ")",
                routes.stream().map(r -> r.cost() == null ? 0.0 : r.cost().doubleValue()).toList()));
        page.append("<table><tr><th>route</th>");
        for (Check check : Check.values()) {
            page.append("<th title=\"").append(esc(check.description())).append("\">").append(check.id())
                    .append(required.contains(check) ? "*" : "").append("</th>");
        }
        page.append("<th>accepted</th><th>cost / accepted</th></tr>");
        for (RouteResult route : routes) {
            page.append("<tr><td>").append(esc(route.route())).append("</td>");
            for (CheckResult c : route.checks()) {
                String css = switch (c.outcome()) {
                    case PASS -> "pass";
                    case FAIL -> "fail";
                    case NOT_APPLICABLE -> "na";
                };
                page.append("<td class=\"").append(css).append("\" title=\"").append(esc(c.detail())).append("\">")
                        .append(c.outcome() == CheckResult.Outcome.NOT_APPLICABLE ? "n/a"
                                : css + " " + c.latencyMillis() + " ms").append("</td>");
            }
            page.append("<td>").append(Math.round(route.acceptedRate() * 100)).append(" %</td><td>")
                    .append(esc(money(route.costPerAcceptedResponse()))).append("</td></tr>");
        }
        page.append("</table><p>* required</p><h2>Failures</h2>");
        for (RouteResult route : routes) {
            for (CheckResult c : route.checks()) {
                if (c.outcome() == CheckResult.Outcome.FAIL) {
                    page.append("<h3>").append(esc(route.route() + " " + c.check().id())).append("</h3><p>")
                            .append(esc(c.detail())).append("</p>");
                    if (c.errorBody() != null) {
                        page.append("<pre>").append(esc(c.errorBody())).append("</pre>");
                    }
                }
            }
        }
        return page.append("</body></html>\n").toString();
    }

    /** Writes report.json, junit.xml and report.html into the directory. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.json"), toJson().toPrettyString(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("junit.xml"), junitXml(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("report.html"), html(), StandardCharsets.UTF_8);
    }

    private String chart(String title, List<Double> values) {
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        int bar = 22;
        int height = 30 + routes.size() * bar;
        StringBuilder svg = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"560\" height=\"")
                .append(height).append("\" role=\"img\"><text x=\"0\" y=\"16\" font-weight=\"bold\">")
                .append(esc(title)).append("</text>");
        for (int i = 0; i < routes.size(); i++) {
            double value = values.get(i);
            int y = 26 + i * bar;
            long length = max == 0 ? 0 : Math.round(300 * value / max);
            svg.append("<text x=\"0\" y=\"").append(y + 14).append("\" font-size=\"12\">")
                    .append(esc(routes.get(i).route())).append("</text><rect x=\"200\" y=\"").append(y + 3)
                    .append("\" width=\"").append(length).append("\" height=\"14\" fill=\"#4a7fb5\"/>")
                    .append("<text x=\"").append(205 + length).append("\" y=\"").append(y + 14)
                    .append("\" font-size=\"12\">").append(String.format(Locale.ROOT, "%.6g", value)).append("</text>");
        }
        return svg.append("</svg>").toString();
    }

    private String money(BigDecimal amount) {
        return amount == null ? "unknown" : amount.round(MathContext.DECIMAL32).toPlainString() + " " + currency;
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }

    private static String esc(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
