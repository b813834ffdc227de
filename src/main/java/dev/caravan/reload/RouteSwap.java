package dev.caravan.reload;

import dev.caravan.reload.RouteSet.Kind;
import dev.caravan.reload.RouteSet.Unit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts an edited set of routes and settings in place of the serving one, one route, template or configuration at
 * a time, and puts everything back when a step fails.
 */
final class RouteSwap {

    private static final Logger LOG = LoggerFactory.getLogger(RouteSwap.class);

    /** What a reload did to the routes, by id. */
    record Changes(List<String> replaced, List<String> added, List<String> removed,
                           List<String> restartNeeded) {
    }

    private final CamelContext camel;
    private final List<ReloadableSettings> settings;
    private final ConfigFiles config;
    private final Duration drainTimeout;
    private final ReloadGate gate;

    RouteSwap(CamelContext camel, List<ReloadableSettings> settings, ConfigFiles config, Duration drainTimeout,
              ReloadGate gate) {
        this.camel = camel;
        this.settings = settings;
        this.config = config;
        this.drainTimeout = drainTimeout;
        this.gate = gate;
    }

    /**
     * Swaps the edited set in for the serving one, with the gate closed to requests meanwhile: settings,
     * templates, route configurations and routes, then the settings' own swaps; all or nothing.
     */
    Changes apply(ServingSet before, EditedSet edited) throws Exception {
        RouteModel routeModel = new RouteModel(camel, drainTimeout);
        Changes changes = new Changes(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        gate.close();
        try {
            swapRoutes(routeModel, before, edited, changes);
            edited.settingsSwaps().forEach(Runnable::run);
            settings.forEach(ReloadableSettings::routesSwapped);
            removeUnusedDefinitions(routeModel, before, edited);
        } finally {
            gate.open();
        }
        return changes;
    }

    /**
     * Puts the edited configuration, route configurations and templates in place, removes the routes no
     * longer defined and replaces the changed ones and adds the new ones, with the model catalog held as it
     * was; when a step fails, puts back everything done so far. A route listening for HTTP is never replaced:
     * that would close its port.
     */
    private void swapRoutes(RouteModel routeModel, ServingSet before, EditedSet candidate, Changes changes)
            throws Exception {
        List<Runnable> undo = new ArrayList<>();
        settings.forEach(ReloadableSettings::routesSwapping);
        try {
            if (!candidate.replacements().isEmpty()) {
                undo.add(config.swap(candidate.replacements()));
            }
            for (Kind kind : List.of(Kind.CONFIGURATION, Kind.TEMPLATE)) {
                for (Unit unit : candidate.routes().units(kind)) {
                    Unit old = before.routes().unit(kind, unit.id()).orElse(null);
                    if (old == null || changed(before, candidate, unit)) {
                        routeModel.replace(old, unit);
                        undo.add(() -> routeModel.replace(unit, old));
                    }
                }
            }
            // the gone first: a route renamed keeps its from: endpoint, which takes one consumer
            for (Unit old : routesOf(before.routes())) {
                if (candidate.routes().unit(old.kind(), old.id()).isEmpty()
                        && candidate.routes().unit(other(old.kind()), old.id()).isEmpty()) {
                    routeModel.remove(old.id());
                    undo.add(() -> routeModel.add(old));
                    changes.removed().add(old.id());
                }
            }
            for (Unit unit : routesOf(candidate.routes())) {
                Unit old = before.routes().unit(unit.kind(), unit.id()).orElse(null);
                if (old == null) {
                    routeModel.add(unit);
                    undo.add(() -> routeModel.remove(unit.id()));
                    changes.added().add(unit.id());
                } else if (changed(before, candidate, unit) && old.kind() == Kind.ROUTE && RouteModel.listens(old)) {
                    changes.restartNeeded().add(unit.id());
                } else if (changed(before, candidate, unit)) {
                    routeModel.remove(unit.id());
                    undo.add(() -> routeModel.add(old));
                    routeModel.add(unit);
                    undo.add(() -> routeModel.remove(unit.id()));
                    changes.replaced().add(unit.id());
                }
            }
        } catch (Exception e) {
            Collections.reverse(undo);
            for (Runnable step : undo) {
                try {
                    step.run();
                } catch (RuntimeException again) {
                    LOG.error("Reload: putting back a step failed: {}", RouteSet.firstLine(again));
                }
            }
            settings.forEach(ReloadableSettings::routesSwapped);
            throw e;
        }
    }

    /** Route templates and configurations no longer defined; their routes are gone by now. */
    private static void removeUnusedDefinitions(RouteModel routeModel, ServingSet before, EditedSet candidate) {
        for (Kind kind : List.of(Kind.TEMPLATE, Kind.CONFIGURATION)) {
            for (Unit old : before.routes().units(kind)) {
                if (candidate.routes().unit(kind, old.id()).isEmpty()) {
                    try {
                        routeModel.replace(old, null);
                    } catch (RuntimeException e) {
                        LOG.error("Reload: removing {} failed: {}", old.key(), RouteSet.firstLine(e));
                    }
                }
            }
        }
    }

    private static boolean changed(ServingSet before, EditedSet candidate, Unit unit) {
        return !candidate.fingerprints().get(unit.key()).equals(before.fingerprints().get(unit.key()));
    }

    /** The routes and templated routes of the set. */
    static List<Unit> routesOf(RouteSet routes) {
        List<Unit> all = new ArrayList<>(routes.units(Kind.ROUTE));
        all.addAll(routes.units(Kind.TEMPLATED_ROUTE));
        return all;
    }

    private static Kind other(Kind kind) {
        return kind == Kind.ROUTE ? Kind.TEMPLATED_ROUTE : Kind.ROUTE;
    }
}
