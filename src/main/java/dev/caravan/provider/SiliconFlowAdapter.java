package dev.caravan.provider;

import org.springframework.stereotype.Component;

/**
 * SiliconFlow: errors are {@code {"code":20012,"message":…,"data":null}}, not OpenAI-shaped
 * ({@link ProviderError} reads them); 403 means the balance is gone; 20012 an unknown model.
 */
@Component
class SiliconFlowAdapter implements ProviderAdapter {

    private static final int MODEL_DOES_NOT_EXIST = 20012;

    @Override
    public String id() {
        return "siliconflow";
    }

    @Override
    public ErrorClass classify(ProviderError error) {
        if (error.numericCode() == MODEL_DOES_NOT_EXIST) {
            return ErrorClass.MODEL_NOT_FOUND;
        }
        if (error.status() == 403) {
            return ErrorClass.INSUFFICIENT_QUOTA;
        }
        return ProviderAdapter.openAiClass(error);
    }
}
