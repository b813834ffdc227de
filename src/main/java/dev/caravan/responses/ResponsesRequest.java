package dev.caravan.responses;

import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

// TODO(helper): being written in this session
@Component("responsesRequest")
class ResponsesRequest implements Processor {

    @Override
    public void process(Exchange exchange) {
        throw new GatewayException(new OpenAiError(501, "not yet", "server_error", null, "not_implemented"));
    }
}
