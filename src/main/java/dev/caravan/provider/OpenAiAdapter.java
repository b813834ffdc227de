package dev.caravan.provider;

import org.springframework.stereotype.Component;

/** Providers whose departures from the OpenAI protocol, if any, their block's data says. */
@Component
class OpenAiAdapter implements ProviderAdapter {

    @Override
    public String id() {
        return "openai";
    }
}
