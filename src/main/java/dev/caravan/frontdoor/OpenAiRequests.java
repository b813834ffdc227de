package dev.caravan.frontdoor;

import dev.caravan.openai.OpenAiRequest;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/** Route steps that turn the client's body into a validated {@link OpenAiRequest} (400 when it is not). */
@Component("openAiRequests")
public class OpenAiRequests {

    public void chatCompletions(Exchange exchange) {
        parse(exchange, OpenAiRequest.Operation.CHAT_COMPLETIONS);
    }

    public void embeddings(Exchange exchange) {
        parse(exchange, OpenAiRequest.Operation.EMBEDDINGS);
    }

    private static void parse(Exchange exchange, OpenAiRequest.Operation operation) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        exchange.getMessage().setBody(OpenAiRequest.parse(operation, body == null ? new byte[0] : body));
    }
}
