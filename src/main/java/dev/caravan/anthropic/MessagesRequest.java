package dev.caravan.anthropic;

import dev.caravan.edge.NativeRequest;
import dev.caravan.edge.Translation;
import dev.caravan.json.Json;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.request.ClientRequest;
import dev.caravan.request.GatewayRequest;
import dev.caravan.usage.SpendLimits;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Route step of {@code POST /v1/messages}: the Anthropic request, validated and translated, becomes the
 * exchange's chat completion request, with the {@link Translation} that brings its answer back.
 */
@Component("messagesRequest")
class MessagesRequest implements Processor {

    private final PingTimer pings;

    MessagesRequest(PingTimer pings) {
        this.pings = pings;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        MessagesToChat.Chat chat = MessagesToChat.translate(body, true);
        OpenAiRequest request = OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS,
                Json.MAPPER.writeValueAsBytes(chat.body()));
        ClientRequest.accept(exchange, request);
        List<String> stopSequences = new ArrayList<>();
        chat.body().path("stop").forEach(s -> stopSequences.add(s.asText()));
        GatewayRequest.of(exchange).translation(new MessagesTranslation(
                "msg_" + ClientRequest.newId().replace("-", ""), request.model(),
                SpendLimits.promptTokens(request), stopSequences,
                chat.droppedTools().isEmpty() ? null : String.join(",", chat.droppedTools()), pings,
                new NativeRequest(NativeRequest.Protocol.ANTHROPIC_MESSAGES, body, request.stream(),
                        ClientRequest.header(exchange, "anthropic-version"),
                        ClientRequest.header(exchange, "anthropic-beta"))));
    }
}
