package dev.caravan.smoke;

import java.io.IOException;

/** One check of a model route ({@link Check} lists them), one class each. */
interface RouteCheck {

    /** Runs the check on the route, counting its calls on the tally, which also makes the result. */
    CheckResult run(SmokeRunner.Target target, Tally tally) throws IOException, InterruptedException;
}
