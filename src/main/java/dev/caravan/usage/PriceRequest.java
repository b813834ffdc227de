package dev.caravan.usage;

import dev.caravan.pricing.PriceBook;
import dev.caravan.request.Attempt;
import dev.caravan.request.RequestRecord;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Route step (cost enrichment): prices the {@link RequestRecord} in the body from its usage, and from the
 * usage of answers it paid for but rejected (validation-aware fallback). Unknown if any of them is unpriced.
 */
@Component("priceRequest")
class PriceRequest implements Processor {

    private final PriceBook prices;

    PriceRequest(PriceBook prices) {
        this.prices = prices;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        RequestRecord record = exchange.getMessage().getMandatoryBody(RequestRecord.class);
        List<Optional<BigDecimal>> paid = new ArrayList<>(1);
        if (record.provider() != null && record.usage() != null) {
            paid.add(prices.cost(record.provider(), record.upstreamModel(), record.usage(), record.time()));
        }
        for (Attempt attempt : record.attempts()) {
            if (attempt.rejectedUsage() != null) {
                paid.add(prices.cost(attempt.provider(), attempt.upstreamModel(), attempt.rejectedUsage(),
                        record.time()));
            }
        }
        if (paid.isEmpty() || paid.stream().anyMatch(Optional::isEmpty)) {
            return;
        }
        BigDecimal cost = paid.stream().map(Optional::get).reduce(BigDecimal.ZERO, BigDecimal::add);
        exchange.getMessage().setBody(record.withCost(cost, prices.reportCurrency()));
    }
}
