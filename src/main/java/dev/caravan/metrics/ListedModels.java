package dev.caravan.metrics;

/** The model names the gateway serves: the only model labels metrics take (clients must not create label values). */
public interface ListedModels {

    boolean isListed(String model);
}
