package dev.caravan.frontdoor;

import dev.caravan.auth.GatewayKey;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.Usage;
import dev.caravan.provider.LlmComponent;
import dev.caravan.routing.FallbackChain;
import dev.caravan.routing.ModelCatalog;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One logfmt line per request on the {@code caravan.request} logger, written after the response is sent.
 * Expected failures are a field of the line, never a stack trace.
 */
@Component("requestLog")
class RequestLog implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("caravan.request");

    @Override
    public void process(Exchange exchange) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        if (exchange.getMessage().getBody() instanceof EventStream stream) {
            // the exchange ends when the head is sent; the line waits for the end of the stream
            stream.outcome().thenAccept(outcome -> log(exchange, outcome.usage(), outcome));
        } else {
            log(exchange, exchange.getProperty(Usage.PROPERTY, Usage.class), null);
        }
    }

    private void log(Exchange exchange, Usage usage, EventStream.Outcome stream) {
        GatewayKey key = exchange.getProperty(GatewayKey.PROPERTY, GatewayKey.class);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        StringBuilder line = new StringBuilder(256);
        field(line, "request_id", exchange.getProperty(ClientRequest.REQUEST_ID, String.class));
        field(line, "method", exchange.getIn().getHeader(Exchange.HTTP_METHOD, String.class));
        field(line, "path", exchange.getIn().getHeader(Exchange.HTTP_URI, String.class));
        field(line, "status", exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class));
        field(line, "key", key == null ? null : key.name());
        field(line, "model", exchange.getProperty(ParseRequest.MODEL_PROPERTY, String.class));
        field(line, "provider", exchange.getProperty(ModelCatalog.PROVIDER, String.class));
        field(line, "upstream_model", exchange.getProperty(ModelCatalog.UPSTREAM_MODEL, String.class));
        List<?> attempts = exchange.getProperty(LlmComponent.ATTEMPTS, List.class);
        if (attempts != null && attempts.size() > 1) {
            field(line, "attempts", attempts.size());
            field(line, "chain", attempts.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        field(line, "fallbacks", exchange.getProperty(FallbackChain.TAKEN, Integer.class));
        field(line, "accepted", exchange.getProperty(LlmComponent.ACCEPTED, Boolean.class));
        field(line, "error", failure instanceof GatewayException e ? e.error().code()
                : failure != null ? "internal_error" : stream != null ? stream.errorCode() : null);
        if (usage != null) {
            field(line, "prompt_tokens", usage.promptTokens());
            field(line, "completion_tokens", usage.completionTokens());
            field(line, "usage_estimated", usage.estimated() ? "true" : null);
        }
        if (stream != null) {
            field(line, "stream", "true");
            field(line, "client_gone", stream.clientGone() ? "true" : null);
            if (stream.firstTokenNanos() > 0) {
                field(line, "ttft_ms", (stream.firstTokenNanos() - startNanos(exchange)) / 1_000_000);
            }
        }
        field(line, "duration_ms", exchange.getClock().elapsed());
        LOG.info(line.toString());
    }

    /** The exchange's creation on the {@link System#nanoTime()} scale. */
    private static long startNanos(Exchange exchange) {
        return System.nanoTime() - exchange.getClock().elapsed() * 1_000_000;
    }

    private static void field(StringBuilder line, String name, Object value) {
        if (value == null) {
            return;
        }
        if (!line.isEmpty()) {
            line.append(' ');
        }
        String text = value.toString();
        line.append(name).append('=');
        if (text.isEmpty() || text.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '=')) {
            line.append('"').append(text.replace("\\", "\\\\").replace("\"", "\\\"")
                    .replace("\n", "\\n")).append('"');
        } else {
            line.append(text);
        }
    }
}
