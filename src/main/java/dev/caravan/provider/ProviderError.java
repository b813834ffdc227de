package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import java.nio.charset.StandardCharsets;

/**
 * A provider's error body read leniently: OpenAI's {@code {"error":{...}}}, GLM's string business codes,
 * OpenRouter's numeric codes with {@code metadata}, SiliconFlow's top-level {@code {"code","message"}},
 * or plain text.
 *
 * @param status  the HTTP status the provider sent
 * @param code    the provider's code as a string ({@code null} when it gave none)
 * @param type    the provider's {@code type}, if any
 * @param param   the parameter the provider blamed, if any
 * @param message a human-readable message, never empty
 */
public record ProviderError(int status, String code, String type, String param, String message) {

    private static final int MAX_TEXT_MESSAGE = 500;

    public static ProviderError parse(int status, byte[] body) {
        JsonNode root = null;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (Exception notJson) {
            // plain-text or HTML error pages are common from proxies in front of providers
        }
        if (root == null || !root.isObject()) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            if (text.length() > MAX_TEXT_MESSAGE) {
                text = text.substring(0, MAX_TEXT_MESSAGE) + "…";
            }
            return new ProviderError(status, null, null, null, text.isEmpty() ? "HTTP " + status : text);
        }
        JsonNode error = root.path("error");
        JsonNode fields = error.isObject() ? error : root;
        String message = text(fields.get("message"));
        if (message == null && error.isTextual()) {
            message = error.asText();
        }
        String upstreamProvider = text(fields.path("metadata").get("provider_name"));
        if (upstreamProvider != null) {
            message = (message == null ? "" : message + " ") + "(upstream provider: " + upstreamProvider + ")";
        }
        return new ProviderError(status, text(fields.get("code")), text(fields.get("type")),
                text(fields.get("param")), message == null || message.isBlank() ? "HTTP " + status : message);
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }

    /** The provider's code as a number, for providers that send numeric codes. */
    public int numericCode() {
        if (code == null) {
            return -1;
        }
        try {
            return Integer.parseInt(code);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether the code, type or message names this condition (case-insensitive). */
    public boolean mentions(String needle) {
        String n = needle.toLowerCase();
        return (code != null && code.toLowerCase().contains(n))
                || (type != null && type.toLowerCase().contains(n))
                || message.toLowerCase().contains(n);
    }
}
