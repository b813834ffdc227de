package dev.caravan.provider;

import dev.caravan.openai.OpenAiRequest;
import org.springframework.stereotype.Component;

/** DeepSeek rejects {@code stream_options} unless {@code stream} is true. */
@Component
class DeepSeekAdapter implements ProviderAdapter {

    @Override
    public String id() {
        return "deepseek";
    }

    @Override
    public void patchRequest(OpenAiRequest.Draft request) {
        if (request.has("stream_options") && !request.stream()) {
            request.edit().remove("stream_options");
        }
    }
}
