package dev.caravan.pricing;

import dev.caravan.openai.Usage;
import dev.caravan.reload.SettingsProblem;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Prices per million tokens, by provider and upstream model ({@code caravan.prices.<provider>.<model>}): the price
 * book shipped in the jar ({@code caravan/prices.yaml}) with what application.yaml sets over it, entry by entry.
 * A model without a price has an unknown cost, never zero, unless {@code caravan.unpriced-price} is set. The
 * {@link PriceBook} holds the prices that apply.
 *
 * @param prices         provider → upstream model → price
 * @param peakHours      named schedules of peak prices
 * @param reportCurrency the currency costs are reported in, {@code USD} or {@code CNY}
 * @param cnyPerUsd      the conversion between the two
 * @param unpricedPrice  the price of a model the book does not list; none by default (cost unknown, and keys with
 *                       a budget may not use the model)
 * @param priceBook      how old an entry may be before {@code /admin/prices} calls it stale
 */
@ConfigurationProperties("caravan")
record Prices(@DefaultValue Map<String, Map<String, Price>> prices, @DefaultValue Map<String, PeakHours> peakHours,
              @DefaultValue("USD") String reportCurrency, @DefaultValue("7.1") BigDecimal cnyPerUsd,
              Price unpricedPrice, @DefaultValue Book priceBook) {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    Prices {
        prices.forEach((provider, models) -> models.forEach((model, price) -> price.check(
                "caravan.prices." + provider + ".[" + model + "]", peakHours)));
        if (unpricedPrice != null) {
            unpricedPrice.check("caravan.unpriced-price", peakHours);
        }
    }

    /** @param staleAfter an entry taken longer ago than this is stale */
    record Book(@DefaultValue("90d") Duration staleAfter) {
    }

    /**
     * A list price. Its rates apply unless a tier (by prompt length) or the peak hours (by the time of the request)
     * say otherwise; a price has tiers or peak hours, not both.
     *
     * @param input       per million prompt tokens not served from cache
     * @param output      per million completion tokens (reasoning tokens included: they are billed as output)
     * @param cachedInput per million prompt tokens served from cache; the input price when absent
     * @param currency    {@code USD} or {@code CNY}
     * @param asOf        the day the list price was read, {@code yyyy-MM-dd}
     * @param source      where it was read (a URL), or {@code built-in}
     * @param peak        the price during the named peak hours
     * @param tiers       prices of longer prompts, by ascending {@code above}
     */
    record Price(BigDecimal input, BigDecimal output, BigDecimal cachedInput, @DefaultValue("USD") String currency,
                 String asOf, String source, Peak peak, @DefaultValue List<Tier> tiers) {

        void check(String name, Map<String, PeakHours> schedules) {
            if (input == null || output == null) {
                throw new SettingsProblem(name, "needs input and output prices");
            }
            if (!currency.equalsIgnoreCase("USD") && !currency.equalsIgnoreCase("CNY")) {
                throw new SettingsProblem(name + ".currency", "must be USD or CNY, not " + currency);
            }
            if (peak != null && !schedules.containsKey(peak.hours())) {
                throw new SettingsProblem(name + ".peak.hours", "names no caravan.peak-hours entry: "
                        + peak.hours());
            }
            if (peak != null && !tiers.isEmpty()) {
                throw new SettingsProblem(name, "has both peak hours and tiers");
            }
            for (int i = 0; i < tiers.size(); i++) {
                Tier tier = tiers.get(i);
                if (tier.input() == null || tier.output() == null || i > 0 && tier.above() <= tiers.get(i - 1).above()) {
                    throw new SettingsProblem(name + ".tiers[" + i + "]", "needs input and output, and an 'above' "
                            + "past the tier before it");
                }
            }
        }

        /** The rates of a request with this many prompt tokens, sent at that instant. */
        Rates rates(long promptTokens, Instant at, Map<String, PeakHours> schedules) {
            for (int i = tiers.size() - 1; i >= 0; i--) {
                Tier tier = tiers.get(i);
                if (promptTokens > tier.above()) {
                    return new Rates(tier.input(), tier.cachedInput(), tier.output(), "above " + tier.above());
                }
            }
            if (peak != null && schedules.get(peak.hours()).contains(at)) {
                return new Rates(peak.input(), peak.cachedInput(), peak.output(), "peak");
            }
            return new Rates(input, cachedInput, output, peak != null ? "off-peak" : "list");
        }
    }

    /** @param hours the name of the schedule, in {@code caravan.peak-hours} */
    record Peak(String hours, BigDecimal input, BigDecimal cachedInput, BigDecimal output) {
    }

    /** @param above prompt tokens: this tier's rates apply past this many */
    record Tier(long above, BigDecimal input, BigDecimal cachedInput, BigDecimal output) {
    }

    /** Rates per million tokens as they apply to one request; {@code which} says which of the price's rates. */
    record Rates(BigDecimal input, BigDecimal cachedInput, BigDecimal output, String which) {
        Rates {
            cachedInput = cachedInput != null ? cachedInput : input;
        }
    }

    /** The model's own entry, if it has one. */
    Optional<Price> entry(String provider, String upstreamModel) {
        return Optional.ofNullable(prices.getOrDefault(provider, Map.of()).get(upstreamModel));
    }

    /** The model's price, or {@code caravan.unpriced-price}, if either. */
    Optional<Price> price(String provider, String upstreamModel) {
        return entry(provider, upstreamModel).or(() -> Optional.ofNullable(unpricedPrice));
    }

    /** The cost of the usage of a request sent at that instant, in the report currency, if the model has a price. */
    Optional<BigDecimal> cost(String provider, String upstreamModel, Usage usage, Instant at) {
        return price(provider, upstreamModel).flatMap(price -> cost(price, usage, at));
    }

    /**
     * The cost of the usage at the price, in the report currency; what the provider reported it cost
     * ({@link Usage#cost()}, USD) wins.
     */
    Optional<BigDecimal> cost(Price price, Usage usage, Instant at) {
        if (usage == null) {
            return Optional.empty();
        }
        if (usage.cost() != null) {
            return Optional.of(convert(usage.cost(), "USD"));
        }
        if (price == null) {
            return Optional.empty();
        }
        Rates rates = price.rates(usage.promptTokens(), at, peakHours);
        BigDecimal cached = BigDecimal.valueOf(Math.min(usage.cachedTokens(), usage.promptTokens()));
        BigDecimal uncached = BigDecimal.valueOf(Math.max(0, usage.promptTokens() - usage.cachedTokens()));
        BigDecimal amount = uncached.multiply(rates.input())
                .add(cached.multiply(rates.cachedInput()))
                .add(BigDecimal.valueOf(usage.completionTokens()).multiply(rates.output()))
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
