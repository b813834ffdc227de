package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;

/** Streaming: several content chunks, usage, a clean end, from the route's own provider. */
final class StreamCheck implements RouteCheck {

    private final SmokeSession session;

    StreamCheck(SmokeSession session) {
        this.session = session;
    }

    @Override
    public CheckResult run(SmokeRunner.Target target, Tally tally) throws IOException, InterruptedException {
        ObjectNode body = SmokeSession.request(target, "Count from one to five, in words.").put("max_tokens", 64)
                .put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        long started = System.nanoTime();
        HttpResponse<InputStream> response = session.http().send(session.post(body),
                HttpResponse.BodyHandlers.ofInputStream());
        EventStreamRead read = EventStreamRead.of(response.body());
        Long ttft = null;
        int contentChunks = 0;
        boolean done = false;
        JsonNode usage = null;
        String error = null;
        for (EventStreamRead.Event e : read.events()) {
            if (e.data().equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode event = SmokeJson.json(e.data());
            if (event.has("error")) {
                error = event.get("error").toString();
            }
            if (!SmokeJson.blank(event.path("choices").path(0).path("delta").path("content").asText(null))) {
                contentChunks++;
                ttft = ttft == null ? (e.arrivedNanos() - started) / 1_000_000 : ttft;
            }
            if (event.path("usage").isObject()) {
                usage = event.get("usage");
            }
        }
        tally.record(started, usage);
        String provider = response.headers().firstValue("x-caravan-provider").orElse(null);
        String problem = response.statusCode() != 200 ? "HTTP " + response.statusCode()
                : !target.provider().equals(provider)
                        ? "answered by provider '" + provider + "', not '" + target.provider() + "'"
                : !response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")
                        ? "not an event stream"
                : error != null ? "the stream ended with an error: " + error
                : contentChunks < 2 ? "the content came in " + contentChunks + " chunk(s), not incrementally"
                : usage == null ? "no usage in the stream (stream_options.include_usage was set)"
                : !done ? "the stream did not end with [DONE]" : null;
        tally.ttft(ttft);
        return problem != null ? tally.fail(problem, read.raw()) : tally.pass(contentChunks + " content chunks");
    }
}
