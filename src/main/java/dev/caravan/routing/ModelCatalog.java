package dev.caravan.routing;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Which provider serves which model. Providers register while their endpoint runs; aliases come from
 * {@code caravan.aliases}. A name resolves, in this order, as an alias, as a model a routable provider
 * lists, or as {@code <provider>/<upstream model>}. Lookups read an immutable snapshot, rebuilt only
 * when a provider starts or stops.
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

    /** What requests are routed by: immutable, replaced whole when a provider starts or stops. */
    private record Snapshot(Set<String> routable, Map<String, Route> names, List<Listed> listing) {
    }

    /** Registered providers by id; sorted, so the first id wins a model two providers list (logged). */
    private final Map<String, Map<String, String>> providers = new TreeMap<>();
    private final Set<String> routable = new HashSet<>();
    private final Map<String, String> aliases;
    private volatile Snapshot snapshot = new Snapshot(Set.of(), Map.of(), List.of());

    ModelCatalog(RoutingProperties properties) {
        this.aliases = new TreeMap<>(properties.aliases());
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

    public synchronized void register(String id, Map<String, String> models, boolean isRoutable) {
        providers.put(id, Collections.unmodifiableMap(new LinkedHashMap<>(models)));
        if (isRoutable) {
            routable.add(id);
        } else {
            routable.remove(id);
        }
        rebuild(id);
        LOG.info("Provider '{}' {}", id, isRoutable ? "serves " + models.keySet()
                : "is not routable (no key set, or disabled)");
    }

    public synchronized void unregister(String id) {
        providers.remove(id);
        routable.remove(id);
        rebuild(null);
    }

    /** @param changed the provider just registered: conflicts it takes part in are logged */
    private void rebuild(String changed) {
        Map<String, Route> models = new LinkedHashMap<>();
        providers.forEach((id, served) -> {
            if (routable.contains(id)) {
                served.forEach((model, upstream) -> {
                    Route first = models.putIfAbsent(model, new Route(id, upstream));
                    if (first != null && (id.equals(changed) || first.provider().equals(changed))) {
                        LOG.warn("Model '{}' is listed by providers '{}' and '{}'; '{}' serves it, '{}/{}' reaches "
                                + "the other", model, first.provider(), id, first.provider(), id, model);
                    }
                });
            }
        });
        Set<String> routableNow = Set.copyOf(routable);
        Map<String, Route> names = new LinkedHashMap<>(models);
        // an alias may also redirect a name a provider lists
        aliases.forEach((alias, target) -> {
            Route route = models.containsKey(target) ? models.get(target) : prefixed(routableNow, target);
            if (route != null) {
                names.put(alias, route);
            } else {
                names.remove(alias);
            }
        });
        List<Listed> listing = names.entrySet().stream().map(e -> new Listed(e.getKey(), e.getValue())).toList();
        snapshot = new Snapshot(routableNow, Map.copyOf(names), listing);
    }

    public Optional<Route> resolve(String model) {
        Snapshot current = snapshot;
        Route named = current.names().get(model);
        return Optional.ofNullable(named != null || aliases.containsKey(model) ? named
                : prefixed(current.routable(), model));
    }

    /** {@code <provider>/<upstream model>} when the provider is routable, else {@code null}. */
    private static Route prefixed(Set<String> routable, String model) {
        int slash = model.indexOf('/');
        if (slash > 0 && slash < model.length() - 1 && routable.contains(model.substring(0, slash))) {
            return new Route(model.substring(0, slash), model.substring(slash + 1));
        }
        return null;
    }

    /** Whether the name is a model or alias a routable provider serves (not a {@code <provider>/} name). */
    public boolean isListed(String model) {
        return model != null && snapshot.names().containsKey(model);
    }

    /** Every model and alias a routable provider serves, each once. */
    public List<Listed> list() {
        return snapshot.listing();
    }

    /** Whether any provider is routable: the gateway is ready to serve. */
    public boolean anyRoutable() {
        return !snapshot.routable().isEmpty();
    }
}
