package dev.caravan.deadletter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.auth.ApiKeys;
import dev.caravan.json.Json;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.request.ClientRequest;
import dev.caravan.request.GatewayKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * {@code /admin/dead-letters}: list, one record, and replay (behind the admin key, see
 * {@code dev.caravan.auth.AuthenticateAdmin}).
 */
@Component("adminApi")
public class AdminApi {

    private static final String PREFIX = "/admin/dead-letters/";
    private static final int LIST_LIMIT = 100;

    private final DeadLetters deadLetters;
    private final ApiKeys keys;

    AdminApi(DeadLetters deadLetters, ApiKeys keys) {
        this.deadLetters = deadLetters;
        this.keys = keys;
    }

    public void list(Exchange exchange) {
        ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
        list.putArray("data").addAll(deadLetters.list(LIST_LIMIT));
        reply(exchange, list);
    }

    public void get(Exchange exchange) {
        reply(exchange, deadLetters.get(id(exchange, "")));
    }

    /**
     * Sets the exchange up as a new request with the dead letter's body, path and key name, which the
     * route then sends through like any other (new request id, logged, and dead-lettered again if it fails).
     */
    public void prepareReplay(Exchange exchange) {
        JsonNode record = deadLetters.original(id(exchange, "/replay"));
        // a translated request (Responses API, Anthropic Messages) was kept as the chat completion it became
        String path = record.path("path").asText();
        exchange.getMessage().setHeader(Exchange.HTTP_URI, OpenAiRequest.Operation.ofApiPath(path).isPresent() ? path
                : "/v1/chat/completions");
        exchange.getMessage().setBody(record.path("request").toString().getBytes(StandardCharsets.UTF_8));
        // as the key's name: its limits apply, as to any of its requests
        String name = record.path("key").asText("admin");
        ClientRequest.identify(exchange, ClientRequest.newId()).key(new GatewayKey(name, List.of("*"),
                keys.limitsByName().getOrDefault(name, GatewayKey.Limits.NONE)));
    }

    private static String id(Exchange exchange, String suffix) {
        String path = exchange.getIn().getHeader(Exchange.HTTP_URI, String.class);
        return path.substring(PREFIX.length(), path.length() - suffix.length());
    }

    private static void reply(Exchange exchange, JsonNode body) {
        exchange.getMessage().setBody(body.toString());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }
}
