package dev.caravan.provider;

import dev.caravan.openai.OpenAiRequest;
import org.springframework.stereotype.Component;

/**
 * Zhipu GLM's {@code response_format} knows only {@code text} and {@code json_object}: a JSON schema is asked
 * for as a JSON object (validation-aware fallback still checks the answer against the schema). Its other quirks
 * are data in its block.
 */
@Component
class GlmAdapter implements ProviderAdapter {

    @Override
    public String id() {
        return "glm";
    }

    @Override
    public void patchRequest(OpenAiRequest.Draft request) {
        if (request.has("response_format")
                && "json_schema".equals(request.edit().path("response_format").path("type").asText())) {
            request.edit().putObject("response_format").put("type", "json_object");
        }
    }
}
