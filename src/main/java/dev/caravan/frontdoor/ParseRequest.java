package dev.caravan.frontdoor;

import dev.caravan.openai.OpenAiRequest;
import dev.caravan.request.ClientRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Route step: the client's body as a validated {@link OpenAiRequest} of the operation its path names
 * ({@code /v1/chat/completions}, {@code /v1/embeddings}); 400 when it is not valid.
 */
@Component("parseRequest")
class ParseRequest implements Processor {

    @Override
    public void process(Exchange exchange) {
        OpenAiRequest.Operation operation = OpenAiRequest.Operation.ofApiPath(
                exchange.getMessage().getHeader(Exchange.HTTP_URI, String.class)).orElseThrow(); // routed by path
        byte[] body = exchange.getMessage().getBody(byte[].class);
        OpenAiRequest request = OpenAiRequest.parse(operation, body == null ? new byte[0] : body);
        ClientRequest.accept(exchange, request);
    }
}
