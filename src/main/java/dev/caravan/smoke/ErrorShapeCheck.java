package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.auth.ApiKeys;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.provider.UpstreamException;
import dev.caravan.request.ClientRequest;
import dev.caravan.request.GatewayKey;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

/**
 * Error shape: a request the gateway accepts but a provider must refuse ({@code temperature} 9), sent to the
 * routes directly, so the provider's own error body is seen: it must be an OpenAI error object.
 */
final class ErrorShapeCheck implements RouteCheck {

    private final ProducerTemplate routes;

    ErrorShapeCheck(ProducerTemplate routes) {
        this.routes = routes;
    }

    @Override
    public CheckResult run(SmokeRunner.Target target, Tally tally) {
        ObjectNode body = SmokeSession.request(target, "Hello").put("temperature", 9).put("max_tokens", 8);
        Exchange exchange = new DefaultExchange(routes.getCamelContext());
        ClientRequest.identify(exchange, ClientRequest.newId()).key(GatewayKey.unlimited(ApiKeys.SMOKE_KEY_NAME));
        ClientRequest.accept(exchange, OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS,
                body.toString().getBytes(StandardCharsets.UTF_8)));
        long started = System.nanoTime();
        Exception failure = routes.send("direct:route-by-model", exchange).getException();
        tally.record(started, null);
        if (failure == null) {
            return tally.fail("the provider accepted temperature 9", exchange.getMessage().getBody(String.class));
        }
        if (!(failure instanceof UpstreamException upstream)) {
            return tally.fail("the gateway failed: " + (failure instanceof GatewayException g
                    ? g.error().toJson() : failure.toString()), null);
        }
        String raw = upstream.providerBody();
        JsonNode parsed = raw == null ? null : SmokeJson.jsonOrNull(raw);
        JsonNode error = parsed == null ? null : parsed.path("error");
        if (upstream.providerStatus() < 400 || upstream.providerStatus() >= 500) {
            return tally.fail("the provider answered HTTP " + upstream.providerStatus() + ", not a 4xx", raw);
        }
        return error == null || !error.isObject() || !error.path("message").isTextual()
                ? tally.fail("the provider's error is not an OpenAI error object {\"error\":{\"message\":…}}", raw)
                : tally.pass("HTTP " + upstream.providerStatus() + " " + error.path("message").asText());
    }
}
