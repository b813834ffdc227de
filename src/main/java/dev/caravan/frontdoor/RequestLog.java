package dev.caravan.frontdoor;

import dev.caravan.openai.ClientText;
import dev.caravan.request.RequestRecord;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Route step: the {@link RequestRecord} in the body as one logfmt line on the {@code caravan.request}
 * logger. Expected failures are a field of the line, never a stack trace. The line is bounded: each value is
 * cut to a few hundred characters and escaped (see {@link ClientText}), whatever the client sent.
 */
@Component("requestLog")
class RequestLog implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("caravan.request");

    @Override
    public void process(Exchange exchange) throws Exception {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        RequestRecord r = exchange.getMessage().getMandatoryBody(RequestRecord.class);
        StringBuilder line = new StringBuilder(256);
        field(line, "request_id", r.requestId());
        field(line, "method", r.method());
        field(line, "path", r.path());
        field(line, "status", r.status());
        field(line, "key", r.key());
        field(line, "model", r.model());
        field(line, "provider", r.provider());
        field(line, "upstream_model", r.upstreamModel());
        if (r.attempts().size() > 1) {
            field(line, "attempts", r.attempts().size());
            field(line, "chain", r.attempts().stream().map(String::valueOf).collect(Collectors.joining(",")),
                    4 * ClientText.LOG_LENGTH);
        }
        field(line, "fallbacks", r.fallbacks());
        field(line, "accepted", r.accepted());
        field(line, "error", r.error());
        field(line, "dropped_tools", r.droppedTools());
        if (r.usage() != null) {
            field(line, "prompt_tokens", r.usage().promptTokens());
            field(line, "completion_tokens", r.usage().completionTokens());
            field(line, "cached_tokens", r.usage().cachedTokens() > 0 ? r.usage().cachedTokens() : null);
            field(line, "usage_estimated", r.usage().estimated() ? "true" : null);
            field(line, "cost", r.cost() == null ? "unknown" : r.cost().toPlainString());
            field(line, "cost_currency", r.costCurrency());
        }
        if (r.stream()) {
            field(line, "stream", "true");
            field(line, "client_gone", r.clientGone() ? "true" : null);
            field(line, "ttft_ms", r.ttftMillis());
        }
        field(line, "duration_ms", r.durationMillis());
        LOG.info(line.toString());
    }

    private static void field(StringBuilder line, String name, Object value) {
        field(line, name, value, ClientText.LOG_LENGTH);
    }

    /**
     * One {@code name=value} pair. Values may come from the client (model, path, request id, key name): each
     * is cut to {@code max} characters, and quoted with every control character escaped when it needs quoting,
     * so a value can neither grow the line without bound nor start a new one.
     */
    private static void field(StringBuilder line, String name, Object value, int max) {
        if (value == null) {
            return;
        }
        if (!line.isEmpty()) {
            line.append(' ');
        }
        String text = ClientText.cut(value.toString(), max);
        line.append(name).append('=');
        if (text.isEmpty() || text.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '=' || c == '\\'
                || ClientText.isControl((char) c))) {
            line.append('"').append(ClientText.escaped(text, max)).append('"');
        } else {
            line.append(text);
        }
    }
}
