package dev.caravan.reload;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** The route files as the gateway starts hold what a reload would refuse: it does not start. */
final class RouteFilesRejected extends RuntimeException {

    RouteFilesRejected(String whereAndWhy) {
        super(whereAndWhy, null, false, false);
    }

    /** Reports it as one line, the file's, with no stack trace: nothing failed but the file. */
    static final class Analyzer extends AbstractFailureAnalyzer<RouteFilesRejected> {

        @Override
        protected FailureAnalysis analyze(Throwable rootFailure, RouteFilesRejected cause) {
            return new FailureAnalysis(cause.getMessage(), "Correct the route file and start again (a running gateway "
                    + "checks an edit the same way and keeps serving while it is wrong).", cause);
        }
    }
}
