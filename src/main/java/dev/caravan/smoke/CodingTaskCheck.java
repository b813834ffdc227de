package dev.caravan.smoke;

import java.io.IOException;
import java.util.Random;
import java.util.function.Function;

/** A coding task whose answer code checks (repo read, one-file edit): the model's content must solve it. */
final class CodingTaskCheck implements RouteCheck {

    private final Function<Random, CodingTasks.Task> draw;
    private final Random random;

    CodingTaskCheck(Function<Random, CodingTasks.Task> draw, Random random) {
        this.draw = draw;
        this.random = random;
    }

    @Override
    public CheckResult run(SmokeRunner.Target target, Tally tally) throws IOException, InterruptedException {
        CodingTasks.Task task = draw.apply(random);
        ChatAnswer answer = tally.send(SmokeSession.request(target, task.prompt()).put("max_tokens", task.maxTokens()));
        if (answer.problem() != null) {
            return tally.fail(answer.problem(), answer.body());
        }
        String problem = task.problem(String.valueOf(answer.content()));
        return problem != null ? tally.fail(problem, answer.body()) : tally.pass(task.solved());
    }
}
