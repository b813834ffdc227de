package dev.caravan.smoke;

import java.io.IOException;

/** Plain chat: an answer with content and usage. */
final class ChatCheck implements RouteCheck {

    @Override
    public CheckResult run(SmokeRunner.Target target, Tally tally) throws IOException, InterruptedException {
        ChatAnswer answer = tally.send(SmokeSession.request(target, "Say hello in one short sentence.")
                .put("max_tokens", 64));
        return answer.problem() != null ? tally.fail(answer.problem(), answer.body())
                : SmokeJson.blank(answer.content()) ? tally.fail("the answer has no content", answer.body())
                : tally.pass("answered " + answer.usage());
    }
}
