package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import dev.caravan.pricing.PriceBook;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;

/** What the checks of a run share: a client to the gateway's own port, the suite's key, the price book. */
record SmokeSession(HttpClient http, URI base, String key, Duration timeout, PriceBook prices) {

    static final String CHAT = "/v1/chat/completions";

    /** A chat completion request for the route, with one user message. */
    static ObjectNode request(SmokeRunner.Target target, String prompt) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", target.name());
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        return body;
    }

    HttpRequest post(JsonNode body) {
        return HttpRequest.newBuilder(base.resolve(CHAT)).timeout(timeout)
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    Tally tally(Check check, SmokeRunner.Target target) {
        return new Tally(this, check, target);
    }
}
