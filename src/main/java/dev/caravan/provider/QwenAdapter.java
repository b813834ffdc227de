package dev.caravan.provider;

import java.util.Locale;
import org.springframework.stereotype.Component;

/** Alibaba DashScope (compatible mode): its error codes ({@code Arrearage}, {@code Throttling.*}, …). */
@Component
class QwenAdapter implements ProviderAdapter {

    @Override
    public String id() {
        return "qwen";
    }

    @Override
    public ErrorClass classify(ProviderError error) {
        String code = error.code() == null ? "" : error.code().toLowerCase(Locale.ROOT);
        if (code.equals("invalidapikey") || code.equals("invalid_api_key") || code.equals("accessdenied")) {
            return ErrorClass.PROVIDER_AUTH;
        }
        if (code.equals("arrearage") || code.equals("insufficient_quota") || code.startsWith("allocationquota")) {
            return ErrorClass.INSUFFICIENT_QUOTA;
        }
        if (code.startsWith("throttling")) {
            return ErrorClass.RATE_LIMITED;
        }
        if (code.equals("modelnotfound") || code.equals("model_not_found")) {
            return ErrorClass.MODEL_NOT_FOUND;
        }
        if (code.contains("datainspectionfailed") || code.contains("data_inspection_failed")) {
            return ErrorClass.CONTENT_FILTER;
        }
        if (error.mentions("input length") || error.mentions("too long")) {
            return ErrorClass.CONTEXT_LENGTH_EXCEEDED;
        }
        return ProviderAdapter.openAiClass(error);
    }
}
