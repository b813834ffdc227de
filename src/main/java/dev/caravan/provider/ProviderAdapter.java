package dev.caravan.provider;

import dev.caravan.openai.OpenAiRequest;

/**
 * What a provider does that its block's data ({@link Quirks}: fields dropped, kept, set or renamed, error codes)
 * cannot say, as one class. Providers that need none use the {@code openai} adapter. Adapters are beans; a
 * provider block names its adapter by {@link #id()}.
 */
public interface ProviderAdapter {

    /** The name provider blocks use in their {@code adapter} parameter. */
    String id();

    /** Changes the upstream body where the provider rejects what OpenAI accepts; after the block's own patches. */
    default void patchRequest(OpenAiRequest.Draft request) {
    }

    /** The error as its meaning is to be read (the block's error codes, then OpenAI's); the default: as sent. */
    default ProviderError readError(ProviderError error) {
        return error;
    }
}
