package dev.caravan.smoke;

import java.math.BigDecimal;

/**
 * One check on one route.
 *
 * @param latencyMillis    of all the check's calls together
 * @param ttftMillis       time to the first content chunk (streaming check only)
 * @param cost             of the check's calls, in the report currency; {@code null} when unpriced
 * @param detail           why it failed, or what it saw
 * @param errorBody        the body of the failing answer, when there was one
 */
record CheckResult(Check check, Outcome outcome, long latencyMillis, Long ttftMillis, long promptTokens,
                   long completionTokens, BigDecimal cost, String detail, String errorBody) {

    enum Outcome { PASS, FAIL, NOT_APPLICABLE }

    static CheckResult notApplicable(Check check, String why) {
        return new CheckResult(check, Outcome.NOT_APPLICABLE, 0, null, 0, 0, BigDecimal.ZERO, why, null);
    }

    boolean passed() {
        return outcome == Outcome.PASS;
    }
}
