package dev.caravan.provider;

/**
 * What an upstream failure means, whatever shape the provider gave it, and what the client is told.
 * Later steps (retry, fallback, cool-down) decide on the class, never on a provider's raw code.
 */
public enum ErrorClass {
    INVALID_REQUEST(400, "invalid_request_error", null),
    CONTEXT_LENGTH_EXCEEDED(400, "invalid_request_error", "context_length_exceeded"),
    CONTENT_FILTER(400, "invalid_request_error", "content_filter"),
    MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found"),
    RATE_LIMITED(429, "rate_limit_error", "rate_limit_exceeded"),
    /** The provider account is out of balance or plan quota: the operator's problem, not the client's. */
    INSUFFICIENT_QUOTA(429, "insufficient_quota", "insufficient_quota"),
    /** The provider rejected the gateway's own credentials. */
    PROVIDER_AUTH(502, "upstream_error", "provider_auth_failed"),
    UPSTREAM_ERROR(502, "upstream_error", "upstream_error"),
    INVALID_RESPONSE(502, "upstream_error", "invalid_upstream_response"),
    CONNECTION_FAILED(502, "upstream_error", "upstream_connection_failed"),
    UPSTREAM_UNAVAILABLE(503, "upstream_error", "upstream_unavailable"),
    UPSTREAM_TIMEOUT(504, "upstream_error", "upstream_timeout");

    private final int clientStatus;
    private final String type;
    private final String code;

    ErrorClass(int clientStatus, String type, String code) {
        this.clientStatus = clientStatus;
        this.type = type;
        this.code = code;
    }

    public int clientStatus() {
        return clientStatus;
    }

    public String type() {
        return type;
    }

    /** The client's {@code code}; {@code null} means the provider's own code is kept. */
    String code() {
        return code;
    }

    /** Whether trying the same provider again may succeed: throttling, server errors, no answer. */
    public boolean retryable() {
        return switch (this) {
            case RATE_LIMITED, UPSTREAM_ERROR, UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, CONNECTION_FAILED -> true;
            default -> false;
        };
    }

    /** Whether another provider may answer where this one failed: anything but a request at fault. */
    public boolean fallbackable() {
        return this != INVALID_REQUEST && this != CONTENT_FILTER && this != CONTEXT_LENGTH_EXCEEDED;
    }

    /** Whether the failure lies with the request (the client's to fix) rather than with the provider. */
    public boolean clientFault() {
        return clientStatus < 429;
    }

    /** The meaning of a bare HTTP status, for providers that say no more. */
    public static ErrorClass ofStatus(int status) {
        return switch (status) {
            case 401, 403 -> PROVIDER_AUTH;
            case 402 -> INSUFFICIENT_QUOTA;
            case 404 -> MODEL_NOT_FOUND;
            case 408, 504 -> UPSTREAM_TIMEOUT;
            case 429 -> RATE_LIMITED;
            case 503, 529 -> UPSTREAM_UNAVAILABLE; // 529: Anthropic's "overloaded"
            default -> status >= 500 || status < 400 ? UPSTREAM_ERROR : INVALID_REQUEST;
        };
    }
}
