package dev.caravan.provider;

import org.springframework.stereotype.Component;

/**
 * OpenRouter puts the HTTP status that counts in a numeric {@code error.code}, also inside 200 answers and
 * streams; {@code metadata.provider_name} is kept in the message by {@link ProviderError}.
 */
@Component
class OpenRouterAdapter implements ProviderAdapter {

    @Override
    public String id() {
        return "openrouter";
    }

    @Override
    public ProviderError readError(ProviderError error) {
        int status = error.numericCode();
        return status < 400 || status > 599 || status == error.status() ? error
                : new ProviderError(status, error.code(), error.type(), error.param(), error.message());
    }
}
