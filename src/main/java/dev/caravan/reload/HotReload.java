package dev.caravan.reload;

import dev.caravan.reload.RouteSet.Kind;
import dev.caravan.reload.RouteSet.Unit;
import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.StartupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.PropertySourcesPropertyResolver;
import org.springframework.stereotype.Component;

/**
 * Applies edits of the route files ({@code camel.main.routes-include-pattern}, file: entries) and of the
 * configuration file ({@code application.yaml}: keys, prices, aliases, fallbacks, and every value the routes
 * read) while the gateway serves. The files are read every {@code caravan.reload.interval}; an edited set is
 * checked whole (YAML, the YAML DSL schema, what Camel would only find at start: beans, components, endpoint
 * options, templates, placeholders, providers) before anything changes. A set that fails is logged as one
 * line with file, line and reason, and the routes that serve stay as they are. A set that passes replaces
 * only the routes that changed, one by one: requests for a route being replaced wait for it (direct:
 * endpoints wait for their consumer), and the model catalog switches to the new providers and aliases at
 * once, at the end.
 */
@Component("hotReload")
public class HotReload implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(HotReload.class);
    /** Values read only at start-up: an edit of them is logged as waiting for a restart. */
    private static final List<String> RESTART_ONLY = List.of("caravan.host", "caravan.port", "caravan.max-body-size",
            "caravan.max-body-buffer", "caravan.max-connections", "caravan.timeouts",
            "caravan.io-threads", "caravan.admin-key", "caravan.ledger", "caravan.limits", "caravan.breakers",
            "caravan.shutdown-timeout", "caravan.smoke", "caravan.dead-letters", "caravan.reload", "camel.",
            "spring.", "server.", "logging.");

    /** A file as applied: how many versions of it were, its digest, and since when it serves. */
    record FileVersion(String name, int version, String sha256, Instant appliedAt) {
    }

    /** The last edit seen: applied or rejected, and why. */
    record Outcome(Instant at, boolean applied, String where, String message) {
    }

    private final CamelContext camel;
    private final ConfigurableEnvironment environment;
    private final List<ReloadableSettings> settings;
    private final ReloadProperties properties;
    private final Clock clock = Clock.systemUTC();
    private WatchedFiles files;
    /** Made at the first edit (half a second, about 9 MB); the garbage collector may take it back. */
    private SoftReference<SchemaCheck> schema = new SoftReference<>(null);
    private volatile ServingSet live;
    private volatile Outcome lastOutcome;
    private final ReloadGate gate;
    /** The files of the last rejected set: not checked (nor logged) again until they change. */
    private Map<Path, String> rejected;
    /** Why the files could not be listed at the last poll: logged once, not at every poll. */
    private String unreadable;

    HotReload(CamelContext camel, ConfigurableEnvironment environment, List<ReloadableSettings> settings,
              ReloadProperties properties, ReloadGate gate) throws Exception {
        this.camel = camel;
        this.gate = gate;
        this.environment = environment;
        this.settings = settings;
        this.properties = properties;
        if (properties.enabled()) {
            camel.addStartupListener(this);
        }
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        if (alreadyStarted) {
            onCamelContextFullyStarted(context, true);
        }
    }

    /** The baseline is what Camel loaded at start-up: read once the routes are up. */
    @Override
    public synchronized void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        if (files != null) {
            return;
        }
        try {
            start();
        } catch (ReloadRejected e) {
            LOG.warn("Hot reload is off: {}: {}", e.where(), e.getMessage());
        } catch (Exception e) {
            LOG.warn("Hot reload is off: {}", RouteSet.firstLine(e));
        }
    }

    private void start() throws Exception {
        files = new WatchedFiles(environment);
        if (files.none()) {
            LOG.info("Hot reload: no route file or configuration file on the file system to watch");
            return;
        }
        Map<Path, String> routeFiles = files.routeFiles();
        Map<Path, String> config = files.configFiles();
        RouteSet routes = RouteSet.load(WatchedFiles.parse(routeFiles), null, camel);
        Map<Path, FileVersion> versions = new TreeMap<>();
        Instant now = clock.instant();
        WatchedFiles.allFiles(routeFiles, config).forEach((path, content) -> versions.put(path,
                new FileVersion(WatchedFiles.name(path), 1, WatchedFiles.sha256(content), now)));
        live = new ServingSet(routeFiles, config, routes, Fingerprints.of(routes, environment), versions);
        ScheduledExecutorService poller = camel.getExecutorServiceManager()
                .newSingleThreadScheduledExecutor(this, "caravan-reload");
        long interval = properties.interval().toMillis();
        poller.scheduleWithFixedDelay(this::poll, interval, interval, TimeUnit.MILLISECONDS);
        LOG.info("Hot reload: watching {} route file(s) in {} every {} ms", routeFiles.size(), files.describe(),
                interval);
        if (!routeFiles.isEmpty() && !(camel.hasComponent("direct") instanceof SwapSafeDirectComponent)) {
            LOG.info("Hot reload: direct: is the application's own component, not Caravan's swap-safe one (which "
                    + "only the gateway's own application registers): a request reaching a route the instant a reload "
                    + "replaces it may fail; declare a bean 'direct' of type {} to avoid that",
                    SwapSafeDirectComponent.class.getName());
        }
    }

    /** The files that serve, with their versions. */
    public List<FileVersion> files() {
        ServingSet current = live;
        return current == null ? List.of() : List.copyOf(current.versions().values());
    }

    /** The ids of the routes each route file defines, by file name. */
    public Map<String, List<String>> routesByFile() {
        ServingSet current = live;
        Map<String, List<String>> byFile = new LinkedHashMap<>();
        if (current != null) {
            for (Unit unit : current.routes().units()) {
                if (unit.kind() == Kind.ROUTE || unit.kind() == Kind.TEMPLATED_ROUTE) {
                    byFile.computeIfAbsent(unit.file().name(), f -> new ArrayList<>()).add(unit.id());
                }
            }
        }
        return byFile;
    }

    public Outcome lastOutcome() {
        return lastOutcome;
    }

    public boolean enabled() {
        return live != null;
    }

    /** One look at the files; applies an edited set that passes. Runs on the poller, one at a time. */
    synchronized void poll() {
        try {
            Map<Path, String> routeFiles = files.routeFiles();
            Map<Path, String> config = files.configFiles();
            Map<Path, String> all = WatchedFiles.allFiles(routeFiles, config);
            unreadable = null;
            ServingSet current = live;
            if (routeFiles.equals(current.routeFiles()) && config.equals(current.configFiles())) {
                rejected = null;
                return;
            }
            if (all.equals(rejected)) {
                return;
            }
            try {
                apply(prepare(routeFiles, config));
                rejected = null;
            } catch (ReloadRejected e) {
                rejected = all;
                lastOutcome = new Outcome(clock.instant(), false, e.where(), e.getMessage());
                LOG.warn("Reload rejected, the routes and settings that served still serve: {}: {}", e.where(),
                        e.getMessage());
            } catch (Exception e) {
                // not tried again until the files change: a route that failed to start fails again
                rejected = all;
                lastOutcome = new Outcome(clock.instant(), false, "", RouteSet.firstLine(e));
                LOG.error("Reload failed and was undone, the routes and settings that served still serve: {}",
                        RouteSet.firstLine(e));
            }
        } catch (IOException | RuntimeException e) {
            // once until it changes, not at every poll
            String problem = RouteSet.firstLine(e);
            if (!problem.equals(unreadable)) {
                LOG.error("Reload: cannot read the files: {}", problem);
            }
            unreadable = problem;
        }
    }

    private EditedSet prepare(Map<Path, String> routeFiles, Map<Path, String> config) throws ReloadRejected {
        WatchedFiles.readable(config);
        Map<Path, String> editedConfig = new LinkedHashMap<>(config);
        editedConfig.entrySet().removeIf(e -> e.getValue().equals(live.configFiles().get(e.getKey())));
        Map<Path, String> names = new LinkedHashMap<>();
        config.keySet().forEach(path -> names.put(path, WatchedFiles.name(path)));
        Map<String, PropertySource<?>> replacements = files.config().read(editedConfig, names);
        MutablePropertySources sources = files.config().candidate(replacements);
        PropertySourcesPropertyResolver resolver = new PropertySourcesPropertyResolver(sources);
        SchemaCheck check = schema.get();
        if (check == null) {
            check = new SchemaCheck();
            schema = new SoftReference<>(check);
        }
        RouteSet routes = RouteSet.load(WatchedFiles.parse(routeFiles), check, camel);
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

    private static String configName(Map<Path, String> names) {
        return names.isEmpty() ? "configuration" : names.values().iterator().next();
    }

    private void apply(EditedSet candidate) throws Exception {
        ServingSet before = live;
        Map<String, String> fingerprints = new LinkedHashMap<>(candidate.fingerprints());
        RouteSwap.Changes changes = new RouteSwap(camel, settings, files.config(), properties.drainTimeout(), gate)
                .apply(before, candidate);
        for (String kept : changes.restartNeeded()) {
            // still the old one: every later reload says so again, until a restart
            fingerprints.put(Kind.ROUTE.yaml + " " + kept, before.fingerprints().get(Kind.ROUTE.yaml + " " + kept));
            LOG.warn("Route '{}' listens for HTTP: its edit (address, Netty options, error handling) applies at the "
                    + "next restart, not now", kept);
        }
        String summary = summary(before, candidate, changes);
        LOG.info("Reloaded {}", summary);
        if (!candidate.restartOnly().isEmpty()) {
            LOG.warn("Edited values that apply at the next restart, not now: {}", candidate.restartOnly());
        }
        // the log lines, then the outcome, then the new versions: whoever sees the versions (GET /admin/routes)
        // sees the rest too
        lastOutcome = new Outcome(clock.instant(), true, "", summary);
        live = new ServingSet(candidate.routeFiles(), candidate.configFiles(), candidate.routes(), fingerprints,
                versions(before, candidate));
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

    private Map<Path, FileVersion> versions(ServingSet before, EditedSet candidate) {
        Map<Path, FileVersion> versions = new TreeMap<>();
        Instant now = clock.instant();
        Map<Path, String> all = WatchedFiles.allFiles(candidate.routeFiles(), candidate.configFiles());
        all.forEach((path, content) -> {
            FileVersion old = before.versions().get(path);
            String digest = WatchedFiles.sha256(content);
            versions.put(path, old != null && old.sha256().equals(digest) ? old
                    : new FileVersion(WatchedFiles.name(path), old == null ? 1 : old.version() + 1, digest, now));
        });
        return versions;
    }

    private String summary(ServingSet before, EditedSet candidate, RouteSwap.Changes changes) {
        List<String> files = new ArrayList<>();
        Map<Path, String> all = WatchedFiles.allFiles(candidate.routeFiles(), candidate.configFiles());
        Map<Path, String> old = WatchedFiles.allFiles(before.routeFiles(), before.configFiles());
        all.forEach((path, content) -> {
            if (!content.equals(old.get(path))) {
                files.add(WatchedFiles.name(path));
            }
        });
        old.keySet().stream().filter(path -> !all.containsKey(path))
                .forEach(path -> files.add(WatchedFiles.name(path) + " (gone)"));
        String summary = String.join(", ", files) + ": routes replaced " + changes.replaced() + ", added "
                + changes.added() + ", removed " + changes.removed()
                + (changes.restartNeeded().isEmpty() ? "" : ", kept until a restart " + changes.restartNeeded());
        // names only: values may be secrets
        List<String> keys = candidate.changedKeys();
        return keys.isEmpty() ? summary : summary + "; settings changed " + (keys.size() <= 12 ? keys
                : keys.subList(0, 12) + " and " + (keys.size() - 12) + " more");
    }
}
