package dev.caravan.anthropic;

import dev.caravan.openai.Json;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.usage.SpendLimits;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * {@code POST /v1/messages/count_tokens}: the prompt's tokens as the gateway's limits count them (the
 * translated chat request at three bytes a token, an over-estimate for every tokenizer), without asking
 * a provider.
 */
@Component("countTokens")
class CountTokens implements Processor {

    @Override
    public void process(Exchange exchange) throws Exception {
        Message message = exchange.getMessage();
        MessagesToChat.Chat chat = MessagesToChat.translate(message.getBody(byte[].class), false);
        OpenAiRequest request = OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS,
                Json.MAPPER.writeValueAsBytes(chat.body()));
        message.setBody(("{\"input_tokens\":" + SpendLimits.promptTokens(request) + "}")
                .getBytes(StandardCharsets.UTF_8));
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
    }
}
