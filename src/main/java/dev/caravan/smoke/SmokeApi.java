package dev.caravan.smoke;

import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.request.ClientRequest;
import java.util.Arrays;
import java.util.List;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * {@code POST /admin/smoke?models=a,b}: runs the smoke suite and answers with its report: JSON, or the HTML
 * page for {@code Accept: text/html}, or JUnit XML for {@code Accept: application/xml}.
 */
@Component("smokeApi")
class SmokeApi {

    private final SmokeRunner runner;

    SmokeApi(SmokeRunner runner) {
        this.runner = runner;
    }

    public void run(Exchange exchange) {
        List<String> models = ClientRequest.query(exchange).getOrDefault("models", List.of()).stream()
                .flatMap(value -> Arrays.stream(value.split(","))).filter(m -> !m.isBlank()).toList();
        SmokeReport report;
        try {
            report = runner.run(models, line -> { });
        } catch (IllegalArgumentException e) {
            throw new GatewayException(new OpenAiError(400, e.getMessage(), "invalid_request_error", "models",
                    "invalid_value"));
        }
        String accept = String.valueOf(ClientRequest.header(exchange, "Accept"));
        boolean html = accept.contains("text/html");
        boolean xml = accept.contains("application/xml") || accept.contains("text/xml");
        exchange.getMessage().setBody(html ? report.html() : xml ? report.junitXml() : report.toJson().toString());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, html ? "text/html; charset=utf-8"
                : xml ? "application/xml" : "application/json");
    }
}
