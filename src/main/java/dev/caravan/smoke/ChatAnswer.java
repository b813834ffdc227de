package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;

/** A non-streamed chat answer as a check reads it. */
record ChatAnswer(int status, String body, JsonNode json, String provider, String expectedProvider) {

    /** Why the answer is not a usable completion from the route's own provider; {@code null} if it is. */
    String problem() {
        if (status != 200) {
            return "HTTP " + status;
        }
        if (json == null || !json.path("choices").isArray()) {
            return "the answer is not a chat completion";
        }
        if (!expectedProvider.equals(provider)) {
            return "answered by provider '" + provider + "', not '" + expectedProvider + "'";
        }
        JsonNode usage = json.path("usage");
        return usage.path("prompt_tokens").asLong() > 0 ? null : "no usage in the answer";
    }

    String content() {
        JsonNode content = json.path("choices").path(0).path("message").path("content");
        return content.isTextual() ? content.asText() : null;
    }

    String usage() {
        JsonNode usage = json.path("usage");
        return usage.path("prompt_tokens").asLong() + "+" + usage.path("completion_tokens").asLong() + " tokens";
    }
}
