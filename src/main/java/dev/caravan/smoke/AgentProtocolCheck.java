package dev.caravan.smoke;

import java.io.IOException;

/** A coding agent's requests in its own protocol (Codex CLI's, Claude Code's), through the front door for it. */
final class AgentProtocolCheck implements RouteCheck {

    private final AgentProtocolChecks agents;
    private final boolean responses;

    /** @param responses Codex CLI's {@code /v1/responses}; else Claude Code's {@code /v1/messages} */
    AgentProtocolCheck(AgentProtocolChecks agents, boolean responses) {
        this.agents = agents;
        this.responses = responses;
    }

    @Override
    public CheckResult run(SmokeRunner.Target target, Tally tally) throws IOException, InterruptedException {
        long started = System.nanoTime();
        AgentProtocolChecks.Seen seen = responses ? agents.responses(target.name(), target.provider())
                : agents.messages(target.name(), target.provider());
        seen.usage().forEach(usage -> tally.record(started, usage));
        tally.millis((System.nanoTime() - started) / 1_000_000);
        tally.ttft(seen.ttftMillis());
        return seen.problem() != null ? tally.fail(seen.problem(), seen.body()) : tally.pass(seen.detail());
    }
}
