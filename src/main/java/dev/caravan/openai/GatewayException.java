package dev.caravan.openai;

/**
 * An expected failure with the OpenAI error the client gets. Carries no stack trace: these are answers,
 * not bugs, and must never print one.
 */
public class GatewayException extends RuntimeException {

    private final OpenAiError error;
    private final Long retryAfterSeconds;

    public GatewayException(OpenAiError error) {
        this(error, null);
    }

    /** @param retryAfterSeconds sent as {@code Retry-After}; {@code null} for none */
    public GatewayException(OpenAiError error, Long retryAfterSeconds) {
        super(error.message(), null, false, false);
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public OpenAiError error() {
        return error;
    }

    /** When the client may try again, in seconds ({@code Retry-After}); {@code null} when not said. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /**
     * 404 for a path the gateway does not serve; thrown from the routes with {@code throwException}. The
     * message quotes the client's method and path: it is cut to {@value #ROUTE_MESSAGE} characters.
     */
    public static class NotFound extends GatewayException {
        public NotFound(String message) {
            super(new OpenAiError(404, ClientText.cut(message, ROUTE_MESSAGE), "invalid_request_error", null,
                    "not_found"));
        }
    }

    /**
     * 405 for a known path called with the wrong method; thrown from the routes with {@code throwException}.
     * The message quotes the client's method and path: it is cut to {@value #ROUTE_MESSAGE} characters.
     */
    public static class MethodNotAllowed extends GatewayException {
        public MethodNotAllowed(String message) {
            super(new OpenAiError(405, ClientText.cut(message, ROUTE_MESSAGE), "invalid_request_error", null,
                    "method_not_allowed"));
        }
    }

    /** Characters of a message the routes build from the request line, at most. */
    public static final int ROUTE_MESSAGE = 300;
}
