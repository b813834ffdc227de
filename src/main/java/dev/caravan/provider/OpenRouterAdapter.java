package dev.caravan.provider;

import org.springframework.stereotype.Component;

/**
 * OpenRouter: numeric {@code error.code} holding an HTTP status (also inside 200 answers), 402 for credits,
 * 403 for moderation; {@code metadata.provider_name} is kept in the message by {@link ProviderError}.
 */
@Component
class OpenRouterAdapter implements ProviderAdapter {

    @Override
    public String id() {
        return "openrouter";
    }

    /** OpenRouter always sends usage; include_usage is deprecated there. */
    @Override
    public boolean asksForStreamUsage() {
        return false;
    }

    @Override
    public ErrorClass classify(ProviderError error) {
        if (error.numericCode() < 400 || error.numericCode() == error.status()) {
            return error.status() == 403 ? ErrorClass.CONTENT_FILTER : ProviderAdapter.openAiClass(error);
        }
        // an error inside a 200 answer: its code is the status that counts
        return classify(new ProviderError(error.numericCode(), error.code(), error.type(), error.param(),
                error.message()));
    }
}
