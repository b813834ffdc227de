package dev.caravan.deadletter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.auth.ApiKeys;
import dev.caravan.auth.GatewayKey;
import dev.caravan.frontdoor.ClientRequest;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.Json;
import dev.caravan.openai.OpenAiError;
import dev.caravan.openai.OpenAiRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.apache.camel.Exchange;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * {@code /admin/dead-letters}: list, one record, and replay. Only {@code CARAVAN_ADMIN_KEY} opens it, never
 * a client key; with no admin key set the admin API is closed.
 */
@Component("adminApi")
public class AdminApi {

    private static final String PREFIX = "/admin/dead-letters/";
    private static final int LIST_LIMIT = 100;

    private final DeadLetters deadLetters;
    private final ApiKeys keys;
    private final byte[] adminKey;

    AdminApi(DeadLetters deadLetters, ApiKeys keys, @Value("${caravan.admin-key:}") String adminKey) {
        this.deadLetters = deadLetters;
        this.keys = keys;
        this.adminKey = adminKey.isBlank() ? null : ("Bearer " + adminKey.strip()).getBytes(StandardCharsets.UTF_8);
    }

    public void authenticate(Exchange exchange) {
        String given = ClientRequest.header(exchange, "Authorization");
        if (adminKey == null || given == null
                || !MessageDigest.isEqual(adminKey, given.strip().getBytes(StandardCharsets.UTF_8))) {
            throw new GatewayException(new OpenAiError(401, adminKey == null
                    ? "The admin API is closed: set CARAVAN_ADMIN_KEY." : "Incorrect admin key.",
                    "invalid_request_error", null, "invalid_api_key"));
        }
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
        ClientRequest.identify(exchange, ClientRequest.newId());
        // a translated request (Responses API, Anthropic Messages) was kept as the chat completion it became
        String path = record.path("path").asText();
        exchange.getMessage().setHeader(Exchange.HTTP_URI, OpenAiRequest.Operation.ofApiPath(path).isPresent() ? path
                : "/v1/chat/completions");
        exchange.getMessage().setBody(record.path("request").toString().getBytes(StandardCharsets.UTF_8));
        // as the key's name: its limits apply, as to any of its requests
        String name = record.path("key").asText("admin");
        GatewayKey key = new GatewayKey(name, List.of("*"), keys.limitsByName().getOrDefault(name,
                GatewayKey.Limits.NONE));
        exchange.setProperty(GatewayKey.PROPERTY, key);
        exchange.setProperty(GatewayKey.LIMITED, key.limits().any());
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
