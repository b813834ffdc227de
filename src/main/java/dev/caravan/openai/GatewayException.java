package dev.caravan.openai;

/**
 * An expected failure with the OpenAI error the client gets. Carries no stack trace: these are answers,
 * not bugs, and must never print one.
 */
public class GatewayException extends RuntimeException {

    private final OpenAiError error;

    public GatewayException(OpenAiError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public OpenAiError error() {
        return error;
    }

    /** 404 for a path the gateway does not serve; thrown from the routes with {@code throwException}. */
    public static class NotFound extends GatewayException {
        public NotFound(String message) {
            super(new OpenAiError(404, message, "invalid_request_error", null, "not_found"));
        }
    }

    /** 405 for a known path called with the wrong method; thrown from the routes with {@code throwException}. */
    public static class MethodNotAllowed extends GatewayException {
        public MethodNotAllowed(String message) {
            super(new OpenAiError(405, message, "invalid_request_error", null, "method_not_allowed"));
        }
    }
}
