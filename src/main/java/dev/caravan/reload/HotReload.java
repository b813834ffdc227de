package dev.caravan.reload;

import dev.caravan.reload.RouteSet.Kind;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.stereotype.Component;

/**
 * Applies edits of the route files ({@code camel.main.routes-include-pattern}, file: entries) and of the
 * configuration file ({@code application.yaml}: keys, prices, aliases, fallbacks, and every value the routes
 * read) while the gateway serves. It polls the {@link WatchedFiles} every {@code caravan.reload.interval}; an
 * edited set is checked whole by {@link EditCheck} before anything changes. A set that fails is logged as one
 * line with file, line and reason, and the routes that serve stay as they are. A set that passes is put in place
 * by {@link RouteSwap}: only the routes that changed, one by one, while {@link ReloadGate} holds the requests for
 * them; the model catalog switches to the new providers and aliases at once, at the end. {@link ReloadHistory}
 * keeps the versions and the last outcome.
 */
@Component("hotReload")
public class HotReload implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(HotReload.class);

    private final CamelContext camel;
    private final ConfigurableEnvironment environment;
    private final List<ReloadableSettings> settings;
    private final ReloadProperties properties;
    private final ReloadHistory history = new ReloadHistory(Clock.systemUTC());
    private WatchedFiles files;
    private EditCheck editCheck;
    private volatile ServingSet live;
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
        editCheck = new EditCheck(camel, files, settings);
        history.started(WatchedFiles.allFiles(routeFiles, config), routes);
        live = new ServingSet(routeFiles, config, routes, Fingerprints.of(routes, environment));
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

    /** The files that serve, their versions and the last edit seen: empty while hot reload is off. */
    ReloadHistory history() {
        return history;
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
                apply(editCheck.check(live, routeFiles, config));
                rejected = null;
            } catch (ReloadRejected e) {
                rejected = all;
                history.rejected(e.where(), e.getMessage());
                LOG.warn("Reload rejected, the routes and settings that served still serve: {}: {}", e.where(),
                        e.getMessage());
            } catch (Exception e) {
                // not tried again until the files change: a route that failed to start fails again
                rejected = all;
                history.rejected("", RouteSet.firstLine(e));
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
        // the log lines, then the history: whoever sees it (GET /admin/routes) sees the rest too
        live = new ServingSet(candidate.routeFiles(), candidate.configFiles(), candidate.routes(), fingerprints);
        history.applied(WatchedFiles.allFiles(candidate.routeFiles(), candidate.configFiles()), candidate.routes(),
                summary);
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
