package dev.caravan.usage;

import dev.caravan.openai.ClientText;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.pricing.PriceBook;
import dev.caravan.request.GatewayKey;
import dev.caravan.routing.ModelAdmission;
import dev.caravan.routing.ModelCatalog;
import org.springframework.stereotype.Component;

/**
 * A key with a budget is never served a model without a price: its cost would count as nothing against the
 * budget. 403 {@code model_not_priced}, naming the setting that prices it; {@code caravan.unpriced-price} prices
 * every such model instead.
 */
@Component
class BudgetsPriceEveryModel implements ModelAdmission {

    private final PriceBook prices;

    BudgetsPriceEveryModel(PriceBook prices) {
        this.prices = prices;
    }

    @Override
    public void admit(ModelCatalog.Route route, GatewayKey key) {
        GatewayKey.Limits limits = key.limits();
        if ((limits.dailyBudget() != null || limits.monthlyBudget() != null)
                && !prices.isPriced(route.provider(), route.upstreamModel())) {
            String model = ClientText.excerpt(route.canonicalName());
            throw new GatewayException(new OpenAiError(403, "The model '" + model + "' has no price, and this key "
                    + "has a budget. An operator can price it with caravan.prices." + ClientText.excerpt(
                    route.provider()) + ".[" + ClientText.excerpt(route.upstreamModel()) + "] (or every unpriced "
                    + "model with caravan.unpriced-price).", "invalid_request_error", "model", "model_not_priced"));
        }
    }
}
