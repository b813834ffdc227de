package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.openai.OpenAiRequest;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * Groq answers 400 to any field it does not support, so the body keeps only the fields Groq documents;
 * {@code messages[].name} and {@code n} other than 1 are dropped too. Its 498 means flex capacity is full.
 */
@Component
class GroqAdapter implements ProviderAdapter {

    private static final Set<String> CHAT_FIELDS = Set.of("model", "messages", "frequency_penalty",
            "presence_penalty", "max_tokens", "max_completion_tokens", "n", "parallel_tool_calls", "reasoning_effort",
            "reasoning_format", "include_reasoning", "response_format", "seed", "service_tier", "stop", "stream",
            "stream_options", "temperature", "tool_choice", "tools", "top_p", "user");
    private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "tool_calls", "tool_call_id",
            "reasoning");

    @Override
    public String id() {
        return "groq";
    }

    @Override
    public void patchRequest(OpenAiRequest.Draft request) {
        if (request.operation() != OpenAiRequest.Operation.CHAT_COMPLETIONS) {
            return;
        }
        ObjectNode body = request.edit();
        body.retain(CHAT_FIELDS);
        if (body.has("n") && body.path("n").asInt(1) != 1) {
            body.remove("n");
        }
        for (JsonNode message : body.path("messages")) {
            if (message instanceof ObjectNode m) {
                m.retain(MESSAGE_FIELDS);
            }
        }
    }

    @Override
    public ErrorClass classify(ProviderError error) {
        return error.status() == 498 ? ErrorClass.UPSTREAM_UNAVAILABLE : ProviderAdapter.openAiClass(error);
    }
}
