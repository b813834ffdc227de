package dev.caravan.usage;

import dev.caravan.openai.Usage;
import dev.caravan.reload.ReloadableSettings;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Optional;
import org.apache.camel.Endpoint;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.stereotype.Component;

/** The prices that apply ({@code caravan.prices}, {@code caravan.report-currency}), replaced whole on reload. */
@Component
public class PriceBook implements ReloadableSettings {

    private volatile Prices prices;

    PriceBook(Prices prices) {
        this.prices = prices;
    }

    /** The cost of the usage in the report currency, if the model has a price. */
    public Optional<BigDecimal> cost(String provider, String upstreamModel, Usage usage) {
        return prices.cost(provider, upstreamModel, usage);
    }

    public String reportCurrency() {
        return prices.reportCurrency();
    }

    @Override
    public Runnable prepare(Binder candidate, Collection<Endpoint> endpoints) {
        Prices edited = candidate.bindOrCreate("caravan", Prices.class);
        return () -> prices = edited;
    }
}
