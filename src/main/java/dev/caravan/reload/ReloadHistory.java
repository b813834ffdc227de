package dev.caravan.reload;

import dev.caravan.reload.RouteSet.Kind;
import dev.caravan.reload.RouteSet.Unit;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What served when, for {@code GET /admin/routes}: each watched file's version since the start, the routes each
 * route file defines, and the last edit seen, applied or rejected.
 */
final class ReloadHistory {

    /** A file as applied: how many versions of it were, its digest, and since when it serves. */
    record FileVersion(String name, int version, String sha256, Instant appliedAt) {
    }

    /** The last edit seen: applied or rejected, and why. */
    record Outcome(Instant at, boolean applied, String where, String message) {
    }

    private final Clock clock;
    private volatile Map<Path, FileVersion> versions = Map.of();
    private volatile RouteSet routes;
    private volatile Outcome lastOutcome;

    ReloadHistory(Clock clock) {
        this.clock = clock;
    }

    /** The files the gateway started with: version 1 each. */
    void started(Map<Path, String> files, RouteSet routes) {
        Instant now = clock.instant();
        Map<Path, FileVersion> first = new TreeMap<>();
        files.forEach((path, content) -> first.put(path, new FileVersion(WatchedFiles.name(path), 1,
                WatchedFiles.sha256(content), now)));
        this.routes = routes;
        this.versions = first;
    }

    /** An applied edit: the files it changed get their next version. */
    void applied(Map<Path, String> files, RouteSet routes, String summary) {
        Instant now = clock.instant();
        Map<Path, FileVersion> before = versions;
        Map<Path, FileVersion> next = new TreeMap<>();
        files.forEach((path, content) -> {
            FileVersion old = before.get(path);
            String digest = WatchedFiles.sha256(content);
            next.put(path, old != null && old.sha256().equals(digest) ? old
                    : new FileVersion(WatchedFiles.name(path), old == null ? 1 : old.version() + 1, digest, now));
        });
        // the outcome, then the versions: whoever sees the versions sees the rest too
        lastOutcome = new Outcome(now, true, "", summary);
        this.routes = routes;
        versions = next;
    }

    void rejected(String where, String message) {
        lastOutcome = new Outcome(clock.instant(), false, where, message);
    }

    /** The files that serve, with their versions. */
    List<FileVersion> files() {
        return List.copyOf(versions.values());
    }

    /** The ids of the routes each route file defines, by file name. */
    Map<String, List<String>> routesByFile() {
        Map<String, List<String>> byFile = new LinkedHashMap<>();
        RouteSet current = routes;
        if (current != null) {
            for (Unit unit : current.units()) {
                if (unit.kind() == Kind.ROUTE || unit.kind() == Kind.TEMPLATED_ROUTE) {
                    byFile.computeIfAbsent(unit.file().name(), f -> new ArrayList<>()).add(unit.id());
                }
            }
        }
        return byFile;
    }

    Outcome lastOutcome() {
        return lastOutcome;
    }
}
