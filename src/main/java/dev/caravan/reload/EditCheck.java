package dev.caravan.reload;

import dev.caravan.reload.RouteSet.Kind;
import dev.caravan.reload.RouteSet.Unit;
import java.lang.ref.SoftReference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.PropertySourcesPropertyResolver;

/**
 * An edited set of files, checked whole before anything changes: YAML, the YAML DSL schema, what Camel would only
 * find at start ({@link RouteChecks}: beans, components, endpoint options, templates and their parameters,
 * placeholders, providers), a route left listening for HTTP, and the settings, bound as at start. What passes is
 * an {@link EditedSet}, ready to be swapped in; what fails, a {@link ReloadRejected} naming file, line and reason.
 */
final class EditCheck {

    /** Values read only at start-up: an edit of them is logged as waiting for a restart. */
    private static final List<String> RESTART_ONLY = List.of("caravan.host", "caravan.port", "caravan.max-body-size",
            "caravan.max-body-buffer", "caravan.max-connections", "caravan.timeouts",
            "caravan.io-threads", "caravan.admin-key", "caravan.ledger", "caravan.limits", "caravan.breakers",
            "caravan.shutdown-timeout", "caravan.smoke", "caravan.dead-letters", "caravan.reload", "camel.",
            "spring.", "server.", "logging.");

    private final CamelContext camel;
    private final WatchedFiles files;
    private final List<ReloadableSettings> settings;
    /** Made at the first edit (half a second, about 9 MB); the garbage collector may take it back. */
    private SoftReference<SchemaCheck> schema = new SoftReference<>(null);

    EditCheck(CamelContext camel, WatchedFiles files, List<ReloadableSettings> settings) {
        this.camel = camel;
        this.files = files;
        this.settings = settings;
    }

    EditedSet check(ServingSet live, Map<Path, String> routeFiles, Map<Path, String> config) throws ReloadRejected {
        WatchedFiles.readable(config);
        Map<Path, String> editedConfig = new LinkedHashMap<>(config);
        editedConfig.entrySet().removeIf(e -> e.getValue().equals(live.configFiles().get(e.getKey())));
        Map<Path, String> names = new LinkedHashMap<>();
        config.keySet().forEach(path -> names.put(path, WatchedFiles.name(path)));
        Map<String, PropertySource<?>> replacements = files.config().read(editedConfig, names);
        MutablePropertySources sources = files.config().candidate(replacements);
        PropertySourcesPropertyResolver resolver = new PropertySourcesPropertyResolver(sources);
        RouteSet routes = RouteSet.load(WatchedFiles.parse(routeFiles), schemaCheck(), camel);
        keepsListening(live.routes(), routes);
        Set<String> managed = RouteSwap.routesOf(live.routes()).stream().map(Unit::id).collect(Collectors.toSet());
        List<Endpoint> endpoints = RouteChecks.check(routes, camel, resolver, managed);
        Binder binder = new Binder(ConfigurationPropertySources.from(sources),
                new PropertySourcesPlaceholdersResolver(sources));
        List<Runnable> swaps = new ArrayList<>();
        for (ReloadableSettings part : settings) {
            try {
                swaps.add(part.prepare(binder, endpoints));
            } catch (SettingsProblem e) {
                throw ConfigFiles.rejection(sources, e, configName(names));
            } catch (BindException e) {
                // its message names the property and the type, not the value (which may be a key)
                throw ConfigFiles.rejection(sources, new SettingsProblem(e.getName().toString(), RouteSet.firstLine(e)),
                        configName(names));
            } catch (RuntimeException e) {
                throw new ReloadRejected(configName(names), 0, RouteSet.firstLine(e));
            }
        }
        List<String> changedKeys = files.config().changedKeys(replacements);
        List<String> restartOnly = changedKeys.stream()
                .filter(key -> RESTART_ONLY.stream().anyMatch(key::startsWith)).toList();
        return new EditedSet(routeFiles, config, replacements, routes, Fingerprints.of(routes, resolver),
                swaps, changedKeys, restartOnly);
    }

    private SchemaCheck schemaCheck() {
        SchemaCheck check = schema.get();
        if (check == null) {
            check = new SchemaCheck();
            schema = new SoftReference<>(check);
        }
        return check;
    }

    private static String configName(Map<Path, String> names) {
        return names.isEmpty() ? "configuration" : names.values().iterator().next();
    }

    /** @throws ReloadRejected when the edit leaves no route listening for HTTP: the gateway would go silent */
    private static void keepsListening(RouteSet before, RouteSet edited) throws ReloadRejected {
        List<Unit> listeners = before.units(Kind.ROUTE).stream().filter(RouteModel::listens).toList();
        if (!listeners.isEmpty() && edited.units(Kind.ROUTE).stream().noneMatch(RouteModel::listens)) {
            Unit listener = listeners.get(0);
            throw new ReloadRejected(listener.file().name(), listener.line(), "no route would listen for HTTP any more ('"
                    + listener.id() + "' is gone): the gateway would stop answering; restart to do that");
        }
    }
}
