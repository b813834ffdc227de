package dev.caravan.usage;

import dev.caravan.openai.Usage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Prices per million tokens, by provider and upstream model ({@code caravan.prices.<provider>.<model>}),
 * and the currency costs are reported in. A model without a price has an unknown cost, never zero. The
 * {@link PriceBook} holds the prices that apply.
 *
 * @param prices         provider → upstream model → price
 * @param reportCurrency the currency costs are reported in, {@code USD} or {@code CNY}
 * @param cnyPerUsd      the conversion between the two
 */
@ConfigurationProperties("caravan")
record Prices(@DefaultValue Map<String, Map<String, Price>> prices, @DefaultValue("USD") String reportCurrency,
                 @DefaultValue("7.1") BigDecimal cnyPerUsd) {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /**
     * @param input       per million prompt tokens not served from cache
     * @param output      per million completion tokens (reasoning tokens included, as providers count them)
     * @param cachedInput per million prompt tokens served from cache; the input price when absent
     * @param currency    {@code USD} or {@code CNY}
     * @param asOf        when the list price was taken
     */
    record Price(BigDecimal input, BigDecimal output, BigDecimal cachedInput, @DefaultValue("USD") String currency,
                 String asOf) {
    }

    /** The cost of the usage in the report currency, if the model has a price. */
    Optional<BigDecimal> cost(String provider, String upstreamModel, Usage usage) {
        Price price = prices.getOrDefault(provider, Map.of()).get(upstreamModel);
        if (price == null || usage == null) {
            return Optional.empty();
        }
        BigDecimal cached = BigDecimal.valueOf(usage.cachedTokens());
        BigDecimal uncached = BigDecimal.valueOf(Math.max(0, usage.promptTokens() - usage.cachedTokens()));
        BigDecimal amount = uncached.multiply(price.input())
                .add(cached.multiply(price.cachedInput() != null ? price.cachedInput() : price.input()))
                .add(BigDecimal.valueOf(usage.completionTokens()).multiply(price.output()))
                .divide(MILLION, MathContext.DECIMAL64);
        return Optional.of(convert(amount, price.currency().toUpperCase(Locale.ROOT)));
    }

    private BigDecimal convert(BigDecimal amount, String from) {
        String to = reportCurrency.toUpperCase(Locale.ROOT);
        if (from.equals(to)) {
            return amount;
        }
        return from.equals("CNY") ? amount.divide(cnyPerUsd, MathContext.DECIMAL64) : amount.multiply(cnyPerUsd);
    }
}
