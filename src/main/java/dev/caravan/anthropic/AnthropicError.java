package dev.caravan.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import dev.caravan.frontdoor.ClientRequest;
import dev.caravan.openai.Json;
import dev.caravan.openai.OpenAiError;

/**
 * Caravan's errors as Anthropic's clients expect them: {@code {"type":"error","error":{"type","message"}}}
 * with Anthropic's status for the kind of failure (529 when the service is overloaded, which its clients
 * retry).
 */
public final class AnthropicError {

    private AnthropicError() {
    }

    /** Whether a gateway path is one of the Anthropic front door's. */
    public static boolean isAnthropicPath(String path) {
        return path != null && (path.equals("/v1/messages") || path.startsWith("/v1/messages/"));
    }

    /**
     * Whether the client speaks Anthropic's protocol: on the Messages front door, or listing models with
     * {@code anthropic-version} (Anthropic's SDKs send it on every call).
     */
    public static boolean isAnthropicClient(Exchange exchange) {
        String path = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class);
        return isAnthropicPath(path) || path != null && path.startsWith("/v1/models")
                && ClientRequest.header(exchange, "anthropic-version") != null;
    }

    /** The HTTP status an Anthropic client gets for the error. */
    public static int status(OpenAiError error) {
        return error.status() == 503 ? 529 : error.status();
    }

    /** Anthropic's error type for the error. */
    public static String type(OpenAiError error) {
        return switch (error.status()) {
            case 400, 405, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402, 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    /**
     * The error of the relay's in-stream error event ({@code {"message","type","param","code"}}, no status),
     * with the status of its kind, so it gets the Anthropic type a response would have.
     */
    static OpenAiError ofStreamed(JsonNode error) {
        String code = error.path("code").asText("upstream_error");
        String type = error.path("type").asText("upstream_error");
        int status = switch (code) {
            case "upstream_unavailable" -> 503;
            case "upstream_timeout" -> 504;
            case "rate_limit_exceeded" -> 429;
            default -> type.equals("invalid_request_error") ? 400 : 502;
        };
        return new OpenAiError(status, error.path("message").asText("The stream failed."), type, null,
                code.isBlank() ? "upstream_error" : code);
    }

    /** The {@code error} event or body: {@code {"type":"error","error":{"type","message"}}}. */
    public static ObjectNode json(OpenAiError error) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("type", "error");
        body.putObject("error").put("type", type(error)).put("message", error.message());
        return body;
    }

    public static byte[] body(OpenAiError error) {
        return json(error).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
