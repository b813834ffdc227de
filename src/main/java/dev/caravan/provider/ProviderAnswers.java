package dev.caravan.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.json.Json;
import dev.caravan.json.JsonMembers;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.openai.Usage;
import dev.caravan.request.GatewayRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * What a provider's answer means for the exchange: a whole answer checked (JSON, no error in disguise, validation
 * where the provider validates) and replied with, its usage read; a failure as an {@link UpstreamException} of the
 * class its error means (the block's data, its adapter, OpenAI's codes), the provider's key never in it.
 */
final class ProviderAnswers {

    private final LlmEndpoint endpoint;

    ProviderAnswers(LlmEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    void reply(Exchange exchange, OpenAiRequest request, Upstream.Answer answer) {
        if (!answer.ok()) {
            throw failed(answer.status(), answer.body(), answer.retryAfterSeconds());
        }
        byte[] body = completeJson(exchange, request.operation(), answer);
        GatewayRequest.of(exchange).accepted(null); // a rejected answer's verdict is not this one's
        if (endpoint.validatesAnswers() && request.operation() == OpenAiRequest.Operation.CHAT_COMPLETIONS) {
            validate(exchange, request, body);
        }
        Message message = exchange.getMessage();
        message.setBody(body);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
    }

    /** An answer in the client's own protocol (Anthropic's message): passed on as it is, its usage read. */
    void replyNatively(Exchange exchange, Upstream.Answer answer) {
        if (!answer.ok()) {
            throw failed(answer.status(), answer.body(), answer.retryAfterSeconds());
        }
        JsonNode message;
        try {
            message = Json.MAPPER.readTree(answer.body());
        } catch (IOException e) {
            throw UpstreamException.noAnswer(endpoint.provider(), ErrorClass.INVALID_RESPONSE,
                    "the answer is not a JSON object");
        }
        if (message == null || !message.isObject() || "error".equals(message.path("type").asText())) {
            throw failed(answer.status(), answer.body(), null);
        }
        if (message.path("usage").isObject()) {
            GatewayRequest.of(exchange).usage(Usage.ofAnthropic(message.path("usage")));
        }
        Message reply = exchange.getMessage();
        reply.setBody(answer.body());
        reply.setHeader(Exchange.CONTENT_TYPE, "application/json");
        reply.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
    }

    /**
     * Checks a success body is a JSON object and not an error in disguise (some providers answer 200 with
     * {@code {"error":…}}), reads its usage, and adds {@code object} where the provider leaves it out (GLM).
     */
    private byte[] completeJson(Exchange exchange, OpenAiRequest.Operation operation, Upstream.Answer answer) {
        byte[] body = answer.body();
        JsonMembers members;
        try {
            members = JsonMembers.scan(body);
            if (members.has("usage") && members.get("usage").token().isStructStart()) {
                GatewayRequest.of(exchange).usage(Usage.of(members.tree(body, "usage")));
            }
        } catch (IOException e) {
            throw UpstreamException.noAnswer(endpoint.provider(), ErrorClass.INVALID_RESPONSE,
                    "the answer is not a JSON object");
        }
        if (members.has("error") && !members.has("choices") && !members.has("data")) {
            throw failed(answer.status(), body, null);
        }
        return members.has("object") ? body
                : JsonMembers.insertFirst(body, "object", "\"" + operation.responseObject() + "\"");
    }

    /** Validation-aware fallback: an answer that does not give what the request asked for is a failure. */
    private void validate(Exchange exchange, OpenAiRequest request, byte[] body) {
        JsonNode asked;
        JsonNode answer;
        try {
            asked = Json.MAPPER.readTree(request.raw());
            if (!AnswerValidation.applies(asked)) {
                return;
            }
            answer = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // both were read before
        }
        String problem = AnswerValidation.problem(asked, answer);
        GatewayRequest.of(exchange).accepted(problem == null);
        endpoint.getComponent().metrics().validated(endpoint.provider(), problem == null);
        if (problem != null) {
            throw UpstreamException.noAnswer(endpoint.provider(), ErrorClass.INVALID_RESPONSE, problem, false);
        }
    }

    UpstreamException failed(int status, byte[] body, Long retryAfterSeconds) {
        String redacted = endpoint.redact(new String(body, StandardCharsets.UTF_8));
        ProviderError error = ProviderError.parse(status, redacted.getBytes(StandardCharsets.UTF_8));
        ErrorClass errorClass = endpoint.quirks().classify(endpoint.providerAdapter().readError(error));
        return UpstreamException.fromResponse(endpoint.provider(), errorClass, error, redacted, retryAfterSeconds);
    }

    UpstreamException noAnswer(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof UpstreamException e) {
            return e;
        }
        if (cause instanceof TimeoutException) { // the total timeout: trying again would double the wait
            return UpstreamException.noAnswer(endpoint.provider(), ErrorClass.UPSTREAM_TIMEOUT,
                    "no complete response within the total timeout", false);
        }
        boolean timedOut = cause instanceof HttpTimeoutException;
        String detail = cause instanceof HttpConnectTimeoutException ? "connect timed out"
                : cause instanceof HttpTimeoutException ? "no response within the first-byte timeout"
                : cause instanceof ConnectException ? "connection refused"
                : endpoint.redact(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        return UpstreamException.noAnswer(endpoint.provider(),
                timedOut ? ErrorClass.UPSTREAM_TIMEOUT : ErrorClass.CONNECTION_FAILED, detail);
    }
}
