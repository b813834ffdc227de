package dev.caravan.provider;

import dev.caravan.openai.OpenAiRequest;

/**
 * A provider's departures from the OpenAI protocol, as one class: request patches and the meaning of its
 * error codes. Providers that follow the protocol use the {@code openai} adapter and need no class at all.
 * Adapters are beans; a provider route names its adapter by {@link #id()}.
 */
public interface ProviderAdapter {

    /** The name provider routes use in their {@code adapter} parameter. */
    String id();

    /** Changes the upstream body where the provider rejects what OpenAI accepts. */
    default void patchRequest(OpenAiRequest.Draft request) {
    }

    /**
     * Whether to ask for {@code stream_options.include_usage} on streams, so usage is always known; false
     * for providers that send usage anyway or reject the option.
     */
    default boolean asksForStreamUsage() {
        return true;
    }

    /** What a failed response means; the default reads OpenAI's codes and falls back to the status. */
    default ErrorClass classify(ProviderError error) {
        return openAiClass(error);
    }

    /** OpenAI's codes, then the HTTP status. */
    static ErrorClass openAiClass(ProviderError error) {
        if (error.mentions("context_length_exceeded") || error.mentions("maximum context length")) {
            return ErrorClass.CONTEXT_LENGTH_EXCEEDED;
        }
        if (error.mentions("insufficient_quota")) {
            return ErrorClass.INSUFFICIENT_QUOTA;
        }
        if ("model_not_found".equals(error.code())) {
            return ErrorClass.MODEL_NOT_FOUND;
        }
        if ("invalid_api_key".equals(error.code())) {
            return ErrorClass.PROVIDER_AUTH;
        }
        if ("overloaded_error".equals(error.type())) { // Anthropic's, also inside a stream (status 200)
            return ErrorClass.UPSTREAM_UNAVAILABLE;
        }
        return ErrorClass.ofStatus(error.status());
    }
}
