package dev.caravan.frontdoor;

import dev.caravan.edge.Translation;
import dev.caravan.json.Json;
import dev.caravan.openai.EventStream;
import dev.caravan.request.GatewayRequest;
import java.io.IOException;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Route step after the routes answered a translated request: the chat completion, or its stream, in the
 * client's protocol. Failures never reach here (the front door's error handler answers them in the
 * protocol's error shape).
 */
@Component("translateAnswer")
class TranslateAnswer implements Processor {

    @Override
    public void process(Exchange exchange) throws IOException {
        Translation translation = GatewayRequest.of(exchange).translation();
        Message message = exchange.getMessage();
        if (translation == null || translation.nativeRequest() != null
                && translation.nativeRequest().answeredNatively()) {
            return; // a chat completion, or a provider's answer in the client's own protocol
        }
        if (message.getBody() instanceof EventStream chat) {
            message.setBody(translation.stream(chat));
        } else {
            message.setBody(translation.answer(Json.MAPPER.readTree(message.getBody(byte[].class))));
            message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        }
    }
}
