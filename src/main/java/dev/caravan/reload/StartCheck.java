package dev.caravan.reload;

import java.io.IOException;
import java.util.Map;
import java.nio.file.Path;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.stereotype.Component;

/**
 * What a reload would refuse is refused at start too, before any route starts: one line with the file, the line
 * and the reason ({@link RouteFilesRejected}), instead of Camel's stack trace naming neither.
 */
@Component
class StartCheck implements CamelContextConfiguration {

    private final ConfigurableEnvironment environment;

    StartCheck(ConfigurableEnvironment environment) {
        this.environment = environment;
    }

    @Override
    public void beforeApplicationStart(CamelContext camel) {
        try {
            Map<Path, String> routeFiles = new WatchedFiles(environment).routeFiles();
            if (!routeFiles.isEmpty()) {
                RouteChecks.check(RouteSet.load(WatchedFiles.parse(routeFiles), null, camel), camel, environment,
                        Set.of());
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
