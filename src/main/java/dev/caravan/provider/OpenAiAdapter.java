package dev.caravan.provider;

import org.springframework.stereotype.Component;

/** Providers that follow the OpenAI protocol: nothing to patch, OpenAI's error codes. */
@Component
class OpenAiAdapter implements ProviderAdapter {

    @Override
    public String id() {
        return "openai";
    }
}
