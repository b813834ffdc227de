package dev.caravan.frontdoor;

import dev.caravan.openai.OpenAiRequest;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/** Route steps that turn the client's body into a validated {@link OpenAiRequest} (400 when it is not). */
@Component("openAiRequests")
public class OpenAiRequests {

    /** Exchange property: the model the client asked for. */
    static final String MODEL_PROPERTY = "caravanModel";

    public void chatCompletions(Exchange exchange) {
        parse(exchange, OpenAiRequest.Operation.CHAT_COMPLETIONS);
    }

    public void embeddings(Exchange exchange) {
        parse(exchange, OpenAiRequest.Operation.EMBEDDINGS);
    }

    private static void parse(Exchange exchange, OpenAiRequest.Operation operation) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        OpenAiRequest request = OpenAiRequest.parse(operation, body == null ? new byte[0] : body);
        exchange.setProperty(MODEL_PROPERTY, request.model());
        exchange.getMessage().setBody(request);
    }
}
