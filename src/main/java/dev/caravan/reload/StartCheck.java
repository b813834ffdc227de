package dev.caravan.reload;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.stereotype.Component;

/**
 * What a reload would refuse is refused at start too, before any route starts: one line with the file, the line
 * and the reason ({@link RouteFilesRejected}), instead of Camel's stack trace naming neither: the route files on the
 * file system, and those on the class path (an application embedding Caravan). Route files looked for on the file
 * system and not found are logged too.
 */
@Component
class StartCheck implements CamelContextConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(StartCheck.class);

    private final ConfigurableEnvironment environment;

    StartCheck(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public void beforeApplicationStart(CamelContext camel) {
        try {
            WatchedFiles watched = new WatchedFiles(environment);
            Map<Path, String> routeFiles = watched.routeFiles();
            List<RouteFile> files = new ArrayList<>(WatchedFiles.parse(routeFiles));
            files.addAll(watched.classPathRouteFiles());
            if (!files.isEmpty()) {
                RouteChecks.check(RouteSet.load(files, null, camel), camel, environment, Set.of());
            }
            if (routeFiles.isEmpty() && !watched.routeIncludes().isEmpty()) {
                // java -jar from another directory: nothing would say why nothing answers
                LOG.warn("No route file matches {} in {}: no route comes from the file system, and unless other "
                        + "routes listen, nothing answers on the gateway's port. Start it from the directory that "
                        + "holds routes/ and application.yaml, or set camel.main.routes-include-pattern (the jar "
                        + "carries the shipped routes as classpath:caravan/routes/*.yaml)", watched.routeIncludes(),
                        Path.of("").toAbsolutePath());
            }
        } catch (ReloadRejected e) {
            throw new RouteFilesRejected(e.where() + ": " + e.getMessage());
        } catch (IOException e) {
            // the start goes on with what Camel read; hot reload says what it cannot read
        }
    }

    @Override
    public void afterApplicationStart(CamelContext camel) {
    }
}
