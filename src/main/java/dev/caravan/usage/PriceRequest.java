package dev.caravan.usage;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/** Route step (cost enrichment): prices the {@link RequestRecord} in the body from its usage. */
@Component("priceRequest")
class PriceRequest implements Processor {

    private final PriceBook prices;

    PriceRequest(PriceBook prices) {
        this.prices = prices;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        RequestRecord record = exchange.getMessage().getMandatoryBody(RequestRecord.class);
        if (record.provider() == null || record.usage() == null) {
            return;
        }
        prices.cost(record.provider(), record.upstreamModel(), record.usage()).ifPresent(cost ->
                exchange.getMessage().setBody(record.withCost(cost, prices.reportCurrency())));
    }
}
