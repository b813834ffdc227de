package dev.caravan.frontdoor;

import dev.caravan.openai.OpenAiRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Route step: the client's body as a validated {@link OpenAiRequest} of one operation (400 when it is not). */
final class ParseRequest implements Processor {

    /** Exchange property: the model the client asked for. */
    static final String MODEL_PROPERTY = "caravanModel";

    private final OpenAiRequest.Operation operation;

    private ParseRequest(OpenAiRequest.Operation operation) {
        this.operation = operation;
    }

    @Override
    public void process(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        OpenAiRequest request = OpenAiRequest.parse(operation, body == null ? new byte[0] : body);
        exchange.setProperty(MODEL_PROPERTY, request.model());
        exchange.getMessage().setBody(request);
    }

    /** The parse steps the routes name. */
    @Configuration(proxyBeanMethods = false)
    static class Steps {
        @Bean
        Processor parseChatRequest() {
            return new ParseRequest(OpenAiRequest.Operation.CHAT_COMPLETIONS);
        }

        @Bean
        Processor parseEmbeddingsRequest() {
            return new ParseRequest(OpenAiRequest.Operation.EMBEDDINGS);
        }
    }
}
