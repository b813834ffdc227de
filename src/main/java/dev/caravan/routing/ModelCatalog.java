package dev.caravan.routing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Which provider serves which model. Providers register while their endpoint runs; aliases come from
 * {@code caravan.aliases}. A name resolves, in this order, as an alias, as a model a routable provider
 * lists, or as {@code <provider>/<upstream model>}.
 */
@Component
public class ModelCatalog {

    /** Exchange property: the provider id chosen for the request. */
    public static final String PROVIDER = "caravanProvider";
    /** Exchange property: the model id the provider is sent. */
    public static final String UPSTREAM_MODEL = "caravanUpstreamModel";

    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    /** A resolved model: who serves it and under which id. */
    public record Route(String provider, String upstreamModel) {
        /** The {@code <provider>/<upstream model>} name that always reaches this route. */
        public String canonicalName() {
            return provider + "/" + upstreamModel;
        }
    }

    /** A model as {@code /v1/models} shows it, and where it goes. */
    public record Listed(String id, Route route) {
    }

    private record Provider(Map<String, String> models, boolean routable) {
    }

    private final Map<String, Provider> providers = new ConcurrentHashMap<>();
    private final Map<String, String> aliases;

    ModelCatalog(RoutingProperties properties) {
        this.aliases = Map.copyOf(properties.aliases());
    }

    /** Parses {@code a,b=upstream-b}: public names, each with its upstream id when that differs. */
    public static Map<String, String> parseModels(String models) {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String entry : models.split(",")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int eq = e.indexOf('=');
            parsed.put(eq < 0 ? e : e.substring(0, eq).strip(), eq < 0 ? e : e.substring(eq + 1).strip());
        }
        return parsed;
    }

    public void register(String id, Map<String, String> models, boolean routable) {
        providers.put(id, new Provider(Map.copyOf(models), routable));
        if (routable) {
            providers.forEach((other, p) -> p.models.keySet().stream()
                    .filter(m -> !other.equals(id) && p.routable && models.containsKey(m))
                    .forEach(m -> LOG.warn("Model '{}' is served by providers '{}' and '{}'; ask for "
                            + "'<provider>/{}' to choose", m, other, id, m)));
        }
        LOG.info("Provider '{}' {}", id, routable ? "serves " + models.keySet() : "is not routable (no key set)");
    }

    public void unregister(String id) {
        providers.remove(id);
    }

    public Optional<Route> resolve(String model) {
        String alias = aliases.get(model);
        return alias != null ? resolveName(alias) : resolveName(model);
    }

    private Optional<Route> resolveName(String model) {
        // sorted for a stable choice when two providers list the same model (logged at registration)
        for (String id : providers.keySet().stream().sorted().toList()) {
            Provider p = providers.get(id);
            if (p.routable && p.models.containsKey(model)) {
                return Optional.of(new Route(id, p.models.get(model)));
            }
        }
        int slash = model.indexOf('/');
        if (slash > 0 && slash < model.length() - 1) {
            Provider p = providers.get(model.substring(0, slash));
            if (p != null && p.routable) {
                return Optional.of(new Route(model.substring(0, slash), model.substring(slash + 1)));
            }
        }
        return Optional.empty();
    }

    /** Every model and alias a routable provider serves, each once. */
    public List<Listed> list() {
        Map<String, Listed> listed = new LinkedHashMap<>();
        providers.keySet().stream().sorted().forEach(id -> {
            Provider p = providers.get(id);
            if (p.routable) {
                p.models.forEach((m, upstream) -> listed.putIfAbsent(m, new Listed(m, new Route(id, upstream))));
            }
        });
        aliases.keySet().stream().sorted().forEach(alias ->
                resolve(alias).ifPresent(r -> listed.putIfAbsent(alias, new Listed(alias, r))));
        return new ArrayList<>(listed.values());
    }

    /** Whether any provider is routable: the gateway is ready to serve. */
    public boolean anyRoutable() {
        return providers.values().stream().anyMatch(Provider::routable);
    }
}
