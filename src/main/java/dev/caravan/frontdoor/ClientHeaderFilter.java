package dev.caravan.frontdoor;

import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;
import org.springframework.stereotype.Component;

/**
 * The front door's header policy. In: no client header becomes a Camel header, so {@code CamelHttpUri}
 * and friends from outside cannot steer anything (Camel's own {@code Camel*} filter has had case
 * bypasses); {@link FrontDoorBinding} does not even offer them. Out: only the gateway's own headers.
 */
@Component("clientHeaderFilter")
class ClientHeaderFilter implements HeaderFilterStrategy {

    private static final Set<String> RESPONSE_HEADERS = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

    static {
        RESPONSE_HEADERS.addAll(Set.of("x-request-id", "x-caravan-provider", "retry-after"));
    }

    @Override
    public boolean applyFilterToCamelHeaders(String name, Object value, Exchange exchange) {
        return !RESPONSE_HEADERS.contains(name);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        return true;
    }
}
