package dev.caravan.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import dev.caravan.openai.OpenAiError;
import org.apache.camel.Exchange;
import org.apache.camel.component.netty.http.NettyHttpMessage;

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
     * Whether the exchange's client speaks Anthropic's protocol: on the Messages front door, or listing models
     * with {@code anthropic-version} (Anthropic's SDKs send it on every call). The header is read from the
     * request itself: client headers never become Camel headers.
     */
    public static boolean isAnthropicClient(Exchange exchange) {
        String path = exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class);
        if (isAnthropicPath(path)) {
            return true;
        }
        NettyHttpMessage request = exchange.getIn(NettyHttpMessage.class);
        return path != null && path.startsWith("/v1/models") && request != null
                && request.getHttpRequest().headers().contains("anthropic-version");
    }

    /** The HTTP status an Anthropic client gets for the error. */
    public static int status(OpenAiError error) {
        return error.status() == 503 ? 529 : error.status();
    }

    /** Anthropic's error type for the error. */
    public static String type(OpenAiError error) {
        return switch (error.status()) {
            case 400, 405, 414, 422, 431 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402, 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 408, 504 -> "timeout_error";
            default -> "api_error";
        };
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
