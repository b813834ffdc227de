package dev.caravan.smoke;

import java.io.IOException;

/** Long context: a prompt near {@code caravan.smoke.long-context-tokens}, all of it received. */
final class LongContextCheck implements RouteCheck {

    private final int tokens;

    LongContextCheck(int tokens) {
        this.tokens = tokens;
    }

    @Override
    public CheckResult run(SmokeRunner.Target target, Tally tally) throws IOException, InterruptedException {
        StringBuilder prompt = new StringBuilder("Below is a log. Reply with the number of its last line only.\n");
        // about ten tokens a line
        for (int line = 1; line * 10 < tokens; line++) {
            prompt.append(String.format("%06d the quick brown fox jumps over the lazy dog%n", line));
        }
        ChatAnswer answer = tally.send(SmokeSession.request(target, prompt.toString()).put("max_tokens", 16));
        if (answer.problem() != null) {
            return tally.fail(answer.problem(), answer.body());
        }
        long received = answer.json().path("usage").path("prompt_tokens").asLong();
        return received < tokens / 2 ? tally.fail("the provider counted " + received + " prompt tokens of about "
                + tokens + ": the prompt was cut", answer.body()) : tally.pass(received + " prompt tokens");
    }
}
