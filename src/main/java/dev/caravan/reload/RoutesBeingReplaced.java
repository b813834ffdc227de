package dev.caravan.reload;

import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.springframework.stereotype.Component;

/**
 * Route predicate: a reload is replacing routes right now, so the request moves off the I/O thread (it may have
 * to wait for a route).
 */
@Component("routesBeingReplaced")
class RoutesBeingReplaced implements Predicate {

    private final ReloadGate gate;

    RoutesBeingReplaced(ReloadGate gate) {
        this.gate = gate;
    }

    @Override
    public boolean matches(Exchange exchange) {
        return gate.closed();
    }
}
