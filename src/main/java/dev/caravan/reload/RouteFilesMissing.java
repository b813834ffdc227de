package dev.caravan.reload;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.camel.spring.boot.CamelSpringBootInitializationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Camel stops the start when a {@code file:} entry of {@code camel.main.routes-include-pattern} names a directory
 * that is not there: said in one line, with the working directory, instead of its stack trace.
 */
final class RouteFilesMissing extends AbstractFailureAnalyzer<NoSuchFileException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, NoSuchFileException cause) {
        if (findCause(rootFailure, CamelSpringBootInitializationException.class) == null) {
            return null;
        }
        return new FailureAnalysis("The route files are not there: no " + cause.getFile() + " in "
                + Path.of("").toAbsolutePath() + " (camel.main.routes-include-pattern).", "Start the gateway from the "
                + "directory that holds routes/ and application.yaml, or set camel.main.routes-include-pattern (the jar "
                + "carries the shipped routes as classpath:caravan/routes/*.yaml).", cause);
    }
}
