package dev.caravan.reload;

import java.nio.file.Path;
import java.util.Map;

/** What serves: the files as read, their routes and each unit's fingerprint. */
record ServingSet(Map<Path, String> routeFiles, Map<Path, String> configFiles, RouteSet routes,
                  Map<String, String> fingerprints) {
}
