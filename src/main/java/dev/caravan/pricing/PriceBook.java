package dev.caravan.pricing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.json.Json;
import dev.caravan.openai.Usage;
import dev.caravan.reload.ReloadableSettings;
import dev.caravan.routing.ModelCatalog;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.stereotype.Component;

/**
 * The prices that apply: the shipped price book ({@code classpath:caravan/prices.yaml}) with application.yaml's
 * {@code caravan.prices} entries over it, replaced whole on reload. Also {@code GET /admin/prices}.
 */
@Component
public class PriceBook implements ReloadableSettings {

    /** The name of the price book's property source, the last of the environment. */
    public static final String SOURCE = "Caravan price book (classpath:caravan/prices.yaml)";

    private final ModelCatalog catalog;
    private final Clock clock;
    /** The book as shipped, to tell which entries application.yaml overrides. */
    private final Prices shipped;
    private volatile Prices prices;

    @Autowired
    PriceBook(Prices prices, ModelCatalog catalog, ConfigurableEnvironment environment) {
        this(prices, catalog, shipped(environment), Clock.systemUTC());
    }

    PriceBook(Prices prices, ModelCatalog catalog, Prices shipped, Clock clock) {
        this.prices = prices;
        this.catalog = catalog;
        this.shipped = shipped;
        this.clock = clock;
    }

    private static Prices shipped(ConfigurableEnvironment environment) {
        PropertySource<?> book = environment.getPropertySources().get(SOURCE);
        return book == null ? null
                : new Binder(ConfigurationPropertySources.from(book)).bindOrCreate("caravan", Prices.class);
    }

    /**
     * The cost of the usage of a request sent at that instant, in the report currency: what the provider reported
     * it cost, else from the model's price, if it has one.
     */
    public Optional<BigDecimal> cost(String provider, String upstreamModel, Usage usage, Instant at) {
        Prices now = prices;
        return now.cost(price(now, provider, upstreamModel).orElse(null), usage, at);
    }

    /** Whether the model has a price (its own, its provider's list, or {@code caravan.unpriced-price}). */
    public boolean isPriced(String provider, String upstreamModel) {
        return price(prices, provider, upstreamModel).isPresent();
    }

    /** The book's (or application.yaml's) entry, else the price the provider lists, else the unpriced price. */
    private Optional<Prices.Price> price(Prices now, String provider, String upstreamModel) {
        return now.entry(provider, upstreamModel).or(() -> listed(provider, upstreamModel))
                .or(() -> Optional.ofNullable(now.unpricedPrice()));
    }

    /** The price the provider's GET /models gives, as a price-book entry. */
    private Optional<Prices.Price> listed(String provider, String upstreamModel) {
        return catalog.discoveredModel(provider, upstreamModel).map(ModelCatalog.DiscoveredModel::price)
                .map(p -> new Prices.Price(p.input(), p.output(), p.cachedInput(), "USD", p.readOn().toString(),
                        provider + " GET /models", null, List.of()));
    }

    public String reportCurrency() {
        return prices.reportCurrency();
    }

    @Override
    public Runnable prepare(Binder candidate, Collection<Endpoint> endpoints) {
        Prices edited = candidate.bindOrCreate("caravan", Prices.class);
        return () -> prices = edited;
    }

    /**
     * {@code GET /admin/prices}: every routable model with its effective price, source and date, and whether
     * application.yaml overrides it, it is stale ({@code caravan.price-book.stale-after}), or it is missing.
     */
    public void report(Exchange exchange) {
        Prices now = prices;
        LocalDate today = LocalDate.now(clock);
        LocalDate staleBefore = today.minusDays(now.priceBook().staleAfter().toDays());
        ObjectNode body = Json.MAPPER.createObjectNode().put("report_currency", now.reportCurrency())
                .put("stale_after_days", now.priceBook().staleAfter().toDays());
        ArrayNode models = body.putArray("models");
        int missing = 0;
        int stale = 0;
        for (ModelCatalog.Listed listed : catalog.list()) {
            String provider = listed.route().provider();
            String model = listed.route().upstreamModel();
            ObjectNode row = models.addObject().put("model", listed.id()).put("provider", provider)
                    .put("upstream_model", model);
            Prices.Price own = now.entry(provider, model).orElse(null);
            if (own == null) {
                Optional<Prices.Price> byProvider = listed(provider, model);
                if (byProvider.isPresent()) {
                    price(row.putObject("price"), byProvider.get());
                    continue;
                }
                missing++;
                row.put("missing", true);
                if (now.unpricedPrice() != null) {
                    price(row.putObject("price"), now.unpricedPrice()).put("source", "caravan.unpriced-price");
                }
                continue;
            }
            price(row.putObject("price"), own);
            Prices.Price book = shipped == null ? null : shipped.entry(provider, model).orElse(null);
            row.put("overridden", !own.equals(book));
            boolean old = isStale(own, staleBefore);
            row.put("stale", old);
            if (old) {
                stale++;
            }
        }
        body.put("missing", missing).put("stale", stale);
        exchange.getMessage().setBody(body.toString());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    /** Stale: taken before the cut-off day, or undated; a {@code built-in} price never is. */
    private static boolean isStale(Prices.Price price, LocalDate staleBefore) {
        if ("built-in".equals(price.source())) {
            return false;
        }
        try {
            return price.asOf() == null || LocalDate.parse(price.asOf()).isBefore(staleBefore);
        } catch (DateTimeParseException undated) {
            return true;
        }
    }

    private static ObjectNode price(ObjectNode node, Prices.Price price) {
        node.put("input", price.input()).put("cached_input", price.cachedInput()).put("output", price.output())
                .put("currency", price.currency()).put("as_of", price.asOf()).put("source", price.source());
        if (price.peak() != null) {
            node.putObject("peak").put("hours", price.peak().hours()).put("input", price.peak().input())
                    .put("cached_input", price.peak().cachedInput()).put("output", price.peak().output());
        }
        if (!price.tiers().isEmpty()) {
            ArrayNode tiers = node.putArray("tiers");
            price.tiers().forEach(t -> tiers.addObject().put("above_prompt_tokens", t.above()).put("input", t.input())
                    .put("cached_input", t.cachedInput()).put("output", t.output()));
        }
        return node;
    }
}
