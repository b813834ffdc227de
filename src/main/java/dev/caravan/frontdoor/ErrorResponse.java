package dev.caravan.frontdoor;

import dev.caravan.edge.AnthropicError;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.request.GatewayRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Turns a failed exchange into the error the client gets: OpenAI's error object, or Anthropic's on the
 * Anthropic front door. Expected failures carry their error;
 * anything else is a gateway bug: logged with its stack trace, answered 500 without one.
 */
@Component("errorResponse")
class ErrorResponse implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponse.class);

    @Override
    public void process(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Message message = exchange.getMessage();
        OpenAiError error;
        if (cause instanceof GatewayException expected) {
            error = expected.error();
        } else {
            GatewayRequest request = GatewayRequest.of(exchange);
            String requestId = request == null ? null : request.id();
            LOG.error("Request {} failed unexpectedly", requestId, cause);
            error = new OpenAiError(500, "The gateway failed unexpectedly (request id " + requestId + ").",
                    "server_error", null, "internal_error");
        }
        if (cause instanceof GatewayException expected && expected.retryAfterSeconds() != null) {
            message.setHeader("Retry-After", expected.retryAfterSeconds());
        }
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        // each front door answers in its protocol's error shape
        if (AnthropicError.isAnthropicClient(exchange)) {
            message.setBody(AnthropicError.body(error));
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, AnthropicError.status(error));
        } else {
            message.setBody(error.toJson());
            message.setHeader(Exchange.HTTP_RESPONSE_CODE, error.status());
        }
    }
}
