package dev.caravan.provider;

import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;

/**
 * A failed upstream attempt: what it means, what the client is told, and the provider's own answer
 * (status and body, with the provider key redacted) kept for diagnosis.
 */
public final class UpstreamException extends GatewayException {

    private final String provider;
    private final ErrorClass errorClass;
    private final int providerStatus;
    private final String providerBody;
    private final boolean retryable;

    UpstreamException(String provider, ErrorClass errorClass, OpenAiError clientError, int providerStatus,
                      String providerBody, Long retryAfterSeconds, boolean retryable) {
        super(clientError, retryAfterSeconds);
        this.provider = provider;
        this.errorClass = errorClass;
        this.providerStatus = providerStatus;
        this.providerBody = providerBody;
        this.retryable = retryable;
    }

    /** A provider's error answer, normalised. */
    static UpstreamException fromResponse(String provider, ErrorClass errorClass, ProviderError error,
                                           String redactedBody, Long retryAfterSeconds) {
        String code = errorClass.code();
        if (code == null) {
            code = error.code() != null && error.numericCode() < 0 ? error.code() : "invalid_request";
        }
        String message = errorClass.clientFault() ? error.message()
                : "Provider '" + provider + "' failed (HTTP " + error.status() + "): " + error.message();
        OpenAiError clientError = new OpenAiError(errorClass.clientStatus(), message, errorClass.type(),
                error.param(), code);
        return new UpstreamException(provider, errorClass, clientError, error.status(), redactedBody,
                retryAfterSeconds, errorClass.retryable());
    }

    /** A failure with no answer from the provider: refused, reset, timed out, unreadable. */
    static UpstreamException noAnswer(String provider, ErrorClass errorClass, String detail) {
        return noAnswer(provider, errorClass, detail, errorClass.retryable());
    }

    static UpstreamException noAnswer(String provider, ErrorClass errorClass, String detail, boolean retryable) {
        OpenAiError clientError = new OpenAiError(errorClass.clientStatus(),
                "Provider '" + provider + "' failed: " + detail, errorClass.type(), null, errorClass.code());
        return new UpstreamException(provider, errorClass, clientError, 0, null, null, retryable);
    }

    public String provider() {
        return provider;
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    /** The provider's HTTP status; 0 when it never answered. */
    public int providerStatus() {
        return providerStatus;
    }

    /** The provider's error body, provider key redacted; {@code null} when it never answered. */
    public String providerBody() {
        return providerBody;
    }

    /** Whether the prompt was too long for the model: only a long-context model may mend that. */
    public boolean contextTooLong() {
        return errorClass == ErrorClass.CONTEXT_LENGTH_EXCEEDED;
    }

    /** Whether another model of a fallback chain may be tried. */
    public boolean fallbackable() {
        return errorClass.fallbackable();
    }

    /** Whether the same provider may be tried again. */
    public boolean retryable() {
        return retryable;
    }
}
