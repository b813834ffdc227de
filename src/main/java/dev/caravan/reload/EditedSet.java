package dev.caravan.reload;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.core.env.PropertySource;

/** An edited set that passed every check, ready to be swapped in. */
record EditedSet(Map<Path, String> routeFiles, Map<Path, String> configFiles,
                 Map<String, PropertySource<?>> replacements, RouteSet routes,
                 Map<String, String> fingerprints,
                 List<Runnable> settingsSwaps, List<String> changedKeys, List<String> restartOnly) {
}
