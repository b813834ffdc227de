package dev.caravan.routing;

import dev.caravan.metrics.ListedModels;
import dev.caravan.reload.ReloadableSettings;
import dev.caravan.reload.SettingsProblem;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.camel.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.stereotype.Component;

/**
 * Which provider serves which model. Providers register while their endpoint runs; aliases come from
 * {@code caravan.aliases}. A name resolves, in this order, as an alias, as a model a routable provider
 * lists, as {@code <provider>/<upstream model>}, or by an alias pattern ({@code claude-*}: coding agents
 * send their own vendors' model names), the most specific pattern first. Lookups read an immutable snapshot, rebuilt only
 * when a provider starts or stops, or aliases are reloaded; while a reload replaces routes, the snapshot
 * stays as it was until all are replaced.
 */
@Component
public class ModelCatalog implements ReloadableSettings, ListedModels {

    /** What an endpoint of the route files serves: how a reload checks names against the new providers. */
    public interface Provider {
        String provider();

        /** Public model names. */
        Set<String> modelNames();
    }

    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    /** A resolved model: who serves it and under which id. */
    public record Route(String provider, String upstreamModel) {
        /** The {@code <provider>/<upstream model>} name that always reaches this route. */
        public String canonicalName() {
            return provider + "/" + upstreamModel;
        }
    }

    /** A model as {@code /v1/models} shows it, and where it goes. */
    /**
     * A model the provider retires on {@code date}: until then it is served as itself (if listed), from then on
     * its requests, by name or as {@code <provider>/<model>}, go to {@code successor}; a notice is logged once.
     */
    public record Retirement(String provider, String model, String successor, LocalDate date) {
        boolean retired(LocalDate today) {
            return !today.isBefore(date);
        }
    }

    /**
     * A model a provider's {@code GET /models} lists (model discovery).
     *
     * @param shutdownDate when the provider says it stops serving it ({@code null}: it does not say)
     * @param price        its price as the provider lists it, USD per million tokens ({@code null}: none)
     */
    public record DiscoveredModel(String provider, String id, LocalDate shutdownDate, DiscoveredPrice price) {
    }

    /** A price a provider lists with its models, USD per million tokens, read on {@code readOn}. */
    public record DiscoveredPrice(BigDecimal input, BigDecimal cachedInput, BigDecimal output, LocalDate readOn) {
    }

    public record Listed(String id, Route route) {
    }

    /** What requests are routed by: immutable, replaced whole when a provider starts or stops. */
    private record Snapshot(Set<String> routable, Map<String, Route> names, List<Listed> listing,
                            Set<String> aliases, List<AliasPattern> patterns) {
    }

    /**
     * An alias whose name has {@code *} (any characters). The most specific wins: more literal characters,
     * then fewer wildcards, then the name. Matched in linear time: a model name is the client's, of any length.
     */
    record AliasPattern(String name, List<String> literals, Route route) {

        static final Comparator<AliasPattern> MOST_SPECIFIC_FIRST = Comparator
                .comparingInt((AliasPattern p) -> -p.name().replace("*", "").length())
                .thenComparingInt(p -> p.name().length() - p.name().replace("*", "").length())
                .thenComparing(AliasPattern::name);

        static boolean isPattern(String alias) {
            return alias.indexOf('*') >= 0;
        }

        static AliasPattern of(String name, Route route) {
            return new AliasPattern(name, List.of(name.split("\\*", -1)), route);
        }

        /** The first literal starts the name, the last ends it, the others come in order between them. */
        boolean matches(String model) {
            String first = literals.get(0);
            String last = literals.get(literals.size() - 1);
            if (model.length() < first.length() + last.length() || !model.startsWith(first) || !model.endsWith(last)) {
                return false;
            }
            int at = first.length();
            int end = model.length() - last.length();
            for (int i = 1; i < literals.size() - 1; i++) {
                int found = model.indexOf(literals.get(i), at);
                if (found < 0 || found + literals.get(i).length() > end) {
                    return false;
                }
                at = found + literals.get(i).length();
            }
            return true;
        }
    }

    /** Registered providers by id; sorted, so the first id wins a model two providers list (logged). */
    private final Map<String, Map<String, String>> providers = new TreeMap<>();
    /** provider → retired model → its retirement */
    private final Map<String, Map<String, Retirement>> retirements = new ConcurrentHashMap<>();
    private final Set<Retirement> noticed = ConcurrentHashMap.newKeySet();
    /** provider → model id → what its {@code GET /models} said last */
    private final Map<String, Map<String, DiscoveredModel>> discovered = new ConcurrentHashMap<>();
    private Clock clock = Clock.systemUTC();
    private final Set<String> routable = new HashSet<>();
    /** Running endpoints per provider id: a reload moving a provider to another route may start the new first. */
    private final Map<String, Integer> running = new HashMap<>();
    private Map<String, String> aliases;
    /** While a reload replaces routes: the snapshot is rebuilt once they all are. */
    private boolean swapping;
    private volatile Snapshot snapshot = new Snapshot(Set.of(), Map.of(), List.of(), Set.of(), List.of());

    ModelCatalog(RoutingProperties properties) {
        this.aliases = new TreeMap<>(properties.aliases());
    }

    @Override
    public Runnable prepare(Binder candidate, Collection<Endpoint> endpoints) {
        RoutingProperties routing = candidate.bindOrCreate("caravan", RoutingProperties.class);
        Map<String, Set<String>> providers = providers(endpoints);
        routing.aliases().forEach((alias, target) ->
                checkTarget("caravan.aliases" + key(alias), target, providers, routing.aliases().keySet()));
        Map<String, String> edited = new TreeMap<>(routing.aliases());
        return () -> {
            synchronized (this) {
                aliases = edited;
                if (!swapping) {
                    rebuild(null);
                }
            }
        };
    }

    @Override
    public synchronized void routesSwapping() {
        swapping = true;
    }

    /** Rebuilds the snapshot once, with every provider started or stopped meanwhile. */
    @Override
    public synchronized void routesSwapped() {
        swapping = false;
        rebuild(null);
    }

    /** The providers among the endpoints, with the model names each serves. */
    static Map<String, Set<String>> providers(Collection<Endpoint> endpoints) {
        Map<String, Set<String>> providers = new TreeMap<>();
        for (Endpoint endpoint : endpoints) {
            if (endpoint instanceof Provider provider) {
                providers.put(provider.provider(), provider.modelNames());
            }
        }
        return providers;
    }

    /** @throws SettingsProblem unless the target is a model a provider lists, an alias, or {@code <provider>/...} */
    static void checkTarget(String property, String target, Map<String, Set<String>> providers, Set<String> aliases) {
        int slash = target.indexOf('/');
        boolean known = aliases.contains(target) || providers.values().stream().anyMatch(m -> m.contains(target))
                || slash > 0 && slash < target.length() - 1 && providers.containsKey(target.substring(0, slash));
        if (!known) {
            throw new SettingsProblem(property, "'" + target + "' is no model a provider lists, no alias, and not "
                    + "<provider>/<model> of a provider in the route files " + providers.keySet());
        }
    }

    /** A map key as a property name part: bracketed when it has dots or slashes. */
    static String key(String name) {
        return name.matches("[a-z0-9-]+") ? "." + name : ".[" + name + "]";
    }

    /** Parses {@code old=successor@yyyy-MM-dd,...}. */
    public static Map<String, Retirement> parseRetirements(String provider, String retired) {
        Map<String, Retirement> parsed = new LinkedHashMap<>();
        parseModels(retired).forEach((old, successorAndDate) -> {
            int at = successorAndDate.lastIndexOf('@');
            try {
                if (old.equals(successorAndDate) || at <= 0) {
                    throw new DateTimeException("no successor@date");
                }
                parsed.put(old, new Retirement(provider, old, successorAndDate.substring(0, at).strip(),
                        LocalDate.parse(successorAndDate.substring(at + 1).strip())));
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("retired entry '" + old + "=" + successorAndDate + "' of provider '"
                        + provider + "' is not old=successor@yyyy-MM-dd");
            }
        });
        return parsed;
    }

    /** The clock retirement dates are read against (tests set a fixed one). */
    void clock(Clock clock) {
        this.clock = clock;
    }

    /** The provider's retirements; the coming ones are logged now, in one line. */
    public void retire(String id, Map<String, Retirement> retired) {
        retirements.put(id, Map.copyOf(retired));
        String coming = retired.values().stream().filter(r -> !isRetired(r))
                .map(r -> r.model() + " on " + r.date() + " (successor " + r.successor() + ")")
                .collect(Collectors.joining(", "));
        if (!coming.isEmpty()) {
            LOG.warn("Provider '{}' shuts models down: {}", id, coming);
        }
    }

    /**
     * What the provider's {@code GET /models} lists now: served beside its configured models (which win on a
     * name), with the shutdown dates it gives logged the first time they are seen.
     */
    public synchronized void discovered(String id, List<DiscoveredModel> models) {
        Map<String, DiscoveredModel> previous = discovered.getOrDefault(id, Map.of());
        Map<String, DiscoveredModel> now = new LinkedHashMap<>();
        models.forEach(m -> now.put(m.id(), m));
        now.values().stream().filter(m -> m.shutdownDate() != null)
                .filter(m -> previous.get(m.id()) == null || !m.shutdownDate().equals(previous.get(m.id()).shutdownDate()))
                .forEach(m -> LOG.warn("Model '{}' of provider '{}' shuts down on {} (its GET /models says so)",
                        m.id(), id, m.shutdownDate()));
        discovered.put(id, Map.copyOf(now));
        if (!swapping) {
            rebuild(null);
        }
    }

    /** What the provider's {@code GET /models} said of the model, if it lists it. */
    public Optional<DiscoveredModel> discoveredModel(String provider, String upstreamModel) {
        return Optional.ofNullable(discovered.getOrDefault(provider, Map.of()).get(upstreamModel));
    }

    /** The discovered models of routable providers that have a shutdown date. */
    public List<DiscoveredModel> discoveredShutdowns() {
        Set<String> routableNow = snapshot.routable();
        return discovered.entrySet().stream().filter(e -> routableNow.contains(e.getKey()))
                .flatMap(e -> e.getValue().values().stream()).filter(m -> m.shutdownDate() != null).toList();
    }

    /** Whether the retirement's date has come, by the catalog's clock. */
    boolean isRetired(Retirement retirement) {
        return retirement.retired(LocalDate.now(clock));
    }

    /** Every retirement of a routable provider, past and coming. */
    public List<Retirement> retirements() {
        Set<String> routableNow = snapshot.routable();
        return retirements.entrySet().stream().filter(e -> routableNow.contains(e.getKey()))
                .flatMap(e -> e.getValue().values().stream()).toList();
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
        running.merge(id, 1, Integer::sum);
        if (isRoutable) {
            routable.add(id);
        } else {
            routable.remove(id);
        }
        if (!swapping) {
            rebuild(id);
        }
        LOG.info("Provider '{}' {}", id, isRoutable ? "serves " + models.keySet()
                : "is not routable (no key set, or disabled)");
    }

    /** An endpoint of the provider stopped; the provider goes when none runs (a reload may start the next first). */
    public synchronized void unregister(String id) {
        if (running.merge(id, -1, Integer::sum) > 0) {
            return;
        }
        running.remove(id);
        providers.remove(id);
        routable.remove(id);
        discovered.remove(id);
        if (!swapping) {
            rebuild(null);
        }
    }

    /** @param changed the provider just registered: conflicts it takes part in are logged */
    private void rebuild(String changed) {
        Map<String, Route> models = new LinkedHashMap<>();
        Set<String> routableNow = Set.copyOf(routable);
        providers.forEach((id, served) -> {
            if (routableNow.contains(id)) {
                served.forEach((model, upstream) -> {
                    Route first = models.putIfAbsent(model, new Route(id, upstream));
                    if (first != null && (id.equals(changed) || first.provider().equals(changed))) {
                        LOG.warn("Model '{}' is listed by providers '{}' and '{}'; '{}' serves it, '{}/{}' reaches "
                                + "the other", model, first.provider(), id, first.provider(), id, model);
                    }
                });
            }
        });
        // discovered models after every configured one: a configured name always wins
        providers.keySet().stream().filter(routableNow::contains).forEach(id -> discovered.getOrDefault(id, Map.of())
                .keySet().forEach(model -> models.putIfAbsent(model, new Route(id, model))));
        Map<String, Route> names = new LinkedHashMap<>(models);
        List<AliasPattern> patterns = new ArrayList<>();
        // an alias may also redirect a name a provider lists
        aliases.forEach((alias, target) -> {
            Route route = models.containsKey(target) ? models.get(target) : prefixed(routableNow, target);
            if (AliasPattern.isPattern(alias)) {
                if (route != null) {
                    patterns.add(AliasPattern.of(alias, route));
                }
            } else if (route != null) {
                names.put(alias, route);
            } else {
                names.remove(alias);
            }
        });
        patterns.sort(AliasPattern.MOST_SPECIFIC_FIRST);
        List<Listed> listing = names.entrySet().stream().map(e -> new Listed(e.getKey(), e.getValue())).toList();
        snapshot = new Snapshot(routableNow, Map.copyOf(names), listing, Set.copyOf(aliases.keySet()),
                List.copyOf(patterns));
    }

    public Optional<Route> resolve(String model) {
        return find(model).map(this::successorIfRetired);
    }

    private Route successorIfRetired(Route route) {
        Retirement retirement = retirements.getOrDefault(route.provider(), Map.of()).get(route.upstreamModel());
        if (retirement == null || !isRetired(retirement)) {
            return route;
        }
        if (noticed.add(retirement)) {
            LOG.warn("Model '{}' of provider '{}' was retired on {}: '{}' serves its requests; ask for '{}'",
                    retirement.model(), retirement.provider(), retirement.date(), retirement.successor(),
                    retirement.successor());
        }
        return new Route(route.provider(), retirement.successor());
    }

    private Optional<Route> find(String model) {
        Snapshot current = snapshot;
        Route named = current.names().get(model);
        if (named != null || current.aliases().contains(model)) {
            return Optional.ofNullable(named);
        }
        Route prefixed = prefixed(current.routable(), model);
        if (prefixed != null) {
            return Optional.of(prefixed);
        }
        Route retired = retiredName(current.routable(), model);
        if (retired != null) {
            return Optional.of(retired);
        }
        for (AliasPattern pattern : current.patterns()) {
            if (pattern.matches(model)) {
                return Optional.of(pattern.route());
            }
        }
        return Optional.empty();
    }

    /** A retired name no provider lists any more: the route to it, whose successor then serves it. */
    private Route retiredName(Set<String> routable, String model) {
        for (String id : routable) {
            if (retirements.getOrDefault(id, Map.of()).containsKey(model)) {
                return new Route(id, model);
            }
        }
        return null;
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
    @Override
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
