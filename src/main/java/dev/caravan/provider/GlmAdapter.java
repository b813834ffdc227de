package dev.caravan.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.openai.OpenAiRequest;
import org.springframework.stereotype.Component;

/**
 * Zhipu GLM: {@code tool_choice} must be {@code "auto"}, {@code response_format} knows only {@code text} and
 * {@code json_object}, and errors carry a business code whose meaning the HTTP status does not tell
 * (1113, arrears, comes as 429).
 */
@Component
class GlmAdapter implements ProviderAdapter {

    @Override
    public String id() {
        return "glm";
    }

    @Override
    public void patchRequest(OpenAiRequest.Draft request) {
        if (request.has("tool_choice") && !"auto".equals(request.edit().path("tool_choice").asText(null))) {
            request.edit().put("tool_choice", "auto");
        }
        if (request.has("response_format")
                && "json_schema".equals(request.edit().path("response_format").path("type").asText())) {
            ObjectNode format = request.edit().putObject("response_format");
            format.put("type", "json_object");
        }
    }

    /** GLM puts usage in its last chunk. */
    @Override
    public boolean asksForStreamUsage() {
        return false;
    }

    @Override
    public ErrorClass classify(ProviderError error) {
        return switch (error.numericCode()) {
            case 1000, 1001, 1002, 1003, 1004 -> ErrorClass.PROVIDER_AUTH;
            case 1113, 1308, 1309, 1310 -> ErrorClass.INSUFFICIENT_QUOTA;
            case 1210, 1214 -> ErrorClass.INVALID_REQUEST;
            case 1211 -> ErrorClass.MODEL_NOT_FOUND;
            case 1261 -> ErrorClass.CONTEXT_LENGTH_EXCEEDED;
            case 1301 -> ErrorClass.CONTENT_FILTER;
            case 1302, 1303, 1305 -> ErrorClass.RATE_LIMITED;
            default -> ProviderAdapter.openAiClass(error);
        };
    }
}
