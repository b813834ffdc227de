package dev.caravan.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.openai.EventStream;

/**
 * One request of a client protocol other than Chat Completions (the Responses API, Anthropic Messages),
 * translated at the edge. Its request became one chat completion that goes through the same routes as any
 * other (routing, fallback, limits, accounting); its answer comes back through here, translated.
 * Each protocol's translator makes one per request, holding what the way back needs (names of tools, ids).
 */
public interface Translation {

    /** A successful non-streaming answer (a {@code chat.completion}) in the client's protocol. */
    byte[] answer(JsonNode chatCompletion);

    /** A streamed chat completion as the client's protocol streams it, translated event by event as it comes. */
    EventStream stream(EventStream chat);

    /** The request as the client sent it, for providers that serve its protocol themselves; {@code null}: none may. */
    default NativeRequest nativeRequest() {
        return null;
    }

    /** Tools of the request that no chat provider can run and were left out, for the log line; {@code null}: none. */
    default String droppedTools() {
        return null;
    }
}
