package dev.caravan.anthropic;

import dev.caravan.json.Json;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.request.ClientRequest;
import dev.caravan.usage.SpendLimits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.springframework.stereotype.Component;

/**
 * {@code POST /v1/messages/count_tokens}: the prompt's tokens as the gateway's limits count them (the
 * translated chat request at three bytes a token, an over-estimate for every tokenizer), without asking
 * a provider. Its two steps go either side of resolving the model (route {@code count-tokens}).
 */
@Component("countTokens")
public class CountTokens {

    /** Route step: the request as the chat completion it would become ({@code max_tokens} not needed). */
    public void request(Exchange exchange) throws IOException {
        MessagesToChat.Chat chat = MessagesToChat.translate(exchange.getMessage().getBody(byte[].class), false);
        ClientRequest.accept(exchange, OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS,
                Json.MAPPER.writeValueAsBytes(chat.body())));
    }

    /** Route step, once the model resolved: the answer {@code {"input_tokens": N}}. */
    public void answer(Exchange exchange) throws InvalidPayloadException {
        Message message = exchange.getMessage();
        long tokens = SpendLimits.promptTokens(message.getMandatoryBody(OpenAiRequest.class));
        message.setBody(("{\"input_tokens\":" + tokens + "}").getBytes(StandardCharsets.UTF_8));
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
    }
}
