package dev.caravan.routing;

import dev.caravan.request.GatewayKey;

/**
 * A rule on which resolved models a key may be served, beside its model list: checked for the requested model
 * and for each model of its fallback chain (a refused fallback is skipped).
 */
public interface ModelAdmission {

    /** @throws dev.caravan.openai.GatewayException the client's error, when the key may not use the route */
    void admit(ModelCatalog.Route route, GatewayKey key);
}
