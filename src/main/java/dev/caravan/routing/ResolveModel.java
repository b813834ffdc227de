package dev.caravan.routing;

import dev.caravan.openai.ClientText;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.request.GatewayKey;
import dev.caravan.request.GatewayRequest;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Route step: picks the provider and upstream model for the request's {@code model}, or answers 404
 * before any upstream call. A model the caller's key may not use is reported exactly like an unknown one. The
 * message quotes the name the client sent, cut to a few hundred characters.
 */
@Component("resolveModel")
class ResolveModel implements Processor {

    private final ModelCatalog catalog;
    private final List<ModelAdmission> admissions;

    ResolveModel(ModelCatalog catalog, List<ModelAdmission> admissions) {
        this.catalog = catalog;
        this.admissions = admissions;
    }

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException {
        String model = exchange.getMessage().getMandatoryBody(OpenAiRequest.class).model();
        GatewayRequest request = GatewayRequest.of(exchange);
        ModelCatalog.Route route = resolve(model, request.key());
        request.routeTo(exchange, route.provider(), route.upstreamModel());
    }

    ModelCatalog.Route resolve(String model, GatewayKey key) {
        ModelCatalog.Route route = catalog.resolve(model)
                .filter(r -> key.allows(model, r.canonicalName()))
                .orElseThrow(() -> new GatewayException(new OpenAiError(404, "The model '" + ClientText.excerpt(model)
                        + "' does not exist or you do not have access to it.", "invalid_request_error", "model",
                        "model_not_found")));
        admissions.forEach(admission -> admission.admit(route, key));
        return route;
    }
}
