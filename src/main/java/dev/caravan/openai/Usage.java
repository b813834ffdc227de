package dev.caravan.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/**
 * Token usage of one request, read from the provider's {@code usage} object or, when none came, estimated
 * (about four characters a token) and marked so.
 *
 * @param cost what the provider says the request cost, in USD (OpenRouter's {@code usage.cost}); {@code null} when
 *             it does not say
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens,
                    boolean estimated, BigDecimal cost) {

    public Usage(long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens,
                 boolean estimated) {
        this(promptTokens, completionTokens, cachedTokens, reasoningTokens, estimated, null);
    }

    /** Exchange property with the usage of a non-streaming answer (a stream reports it in its outcome). */
    public static final String PROPERTY = "caravanUsage";

    /** OpenAI's fields, with DeepSeek's {@code prompt_cache_hit_tokens} for cached input. */
    public static Usage of(JsonNode usage) {
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(
                usage.path("prompt_cache_hit_tokens").asLong(0));
        JsonNode cost = usage.path("cost");
        return new Usage(usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0), cached,
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0), false,
                cost.isNumber() && cost.decimalValue().signum() >= 0 ? cost.decimalValue() : null);
    }

    /**
     * Anthropic's fields: input tokens are counted apart from cache reads and writes, which are input too.
     */
    public static Usage ofAnthropic(JsonNode usage) {
        long cached = usage.path("cache_read_input_tokens").asLong(0);
        return new Usage(usage.path("input_tokens").asLong(0) + cached
                + usage.path("cache_creation_input_tokens").asLong(0), usage.path("output_tokens").asLong(0), cached,
                0, false);
    }

    public static Usage estimate(long promptBytes, long completionChars) {
        return new Usage((promptBytes + 3) / 4, (completionChars + 3) / 4, 0, 0, true);
    }
}
