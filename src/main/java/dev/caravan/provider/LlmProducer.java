package dev.caravan.provider;

import dev.caravan.openai.JsonMembers;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.routing.ModelCatalog;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * Sends the exchange's {@link OpenAiRequest} to the provider with the upstream model from
 * {@link ModelCatalog#UPSTREAM_MODEL}, and replies with the provider's answer or fails the exchange with an
 * {@link UpstreamException}. Asynchronous: no thread waits while the provider works.
 */
final class LlmProducer extends DefaultAsyncProducer {

    private final LlmEndpoint endpoint;

    LlmProducer(LlmEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Upstream upstream = endpoint.upstream();
        if (upstream == null) {
            exchange.setException(UpstreamException.noAnswer(endpoint.provider(),
                    ErrorClass.UPSTREAM_UNAVAILABLE, "the provider has no key configured"));
            callback.done(true);
            return true;
        }
        OpenAiRequest request;
        byte[] body;
        OpenAiRequest.Draft draft;
        try {
            request = exchange.getMessage().getMandatoryBody(OpenAiRequest.class);
            draft = request.draft();
            endpoint.providerAdapter().patchRequest(draft);
            body = draft.bytes(exchange.getProperty(ModelCatalog.UPSTREAM_MODEL, request.model(), String.class));
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        upstream.send(request.operation(), body, draft.stream()).whenComplete((answer, failure) -> {
            try {
                if (failure != null) {
                    exchange.setException(noAnswer(failure));
                } else {
                    reply(exchange.getMessage(), request.operation(), answer);
                }
            } catch (RuntimeException e) {
                exchange.setException(e);
            } finally {
                callback.done(false);
            }
        });
        return false;
    }

    private void reply(Message message, OpenAiRequest.Operation operation, Upstream.Answer answer) {
        if (!answer.ok()) {
            throw failed(answer.status(), answer.body(), answer.retryAfterSeconds());
        }
        byte[] body = answer.body();
        if (!answer.contentType().startsWith("text/event-stream")) {
            body = completeJson(operation, answer);
        }
        message.setBody(body);
        message.setHeader(Exchange.CONTENT_TYPE, answer.contentType());
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
    }

    /**
     * Checks a success body is a JSON object and not an error in disguise (some providers answer 200 with
     * {@code {"error":…}}), and adds {@code object} where the provider leaves it out (GLM).
     */
    private byte[] completeJson(OpenAiRequest.Operation operation, Upstream.Answer answer) {
        JsonMembers members;
        try {
            members = JsonMembers.scan(answer.body());
        } catch (IOException e) {
            throw UpstreamException.noAnswer(endpoint.provider(), ErrorClass.INVALID_RESPONSE,
                    "the answer is not a JSON object");
        }
        if (members.has("error") && !members.has("choices") && !members.has("data")) {
            throw failed(answer.status(), answer.body(), null);
        }
        if (members.has("object")) {
            return answer.body();
        }
        byte[] field = ("\"object\":\"" + operation.responseObject() + "\""
                + (members.isEmpty() ? "" : ",")).getBytes(StandardCharsets.US_ASCII);
        byte[] body = answer.body();
        int open = 0;
        while (body[open] != '{') {
            open++;
        }
        byte[] out = new byte[body.length + field.length];
        System.arraycopy(body, 0, out, 0, open + 1);
        System.arraycopy(field, 0, out, open + 1, field.length);
        System.arraycopy(body, open + 1, out, open + 1 + field.length, body.length - open - 1);
        return out;
    }

    private UpstreamException failed(int status, byte[] body, Long retryAfterSeconds) {
        String redacted = endpoint.redact(new String(body, StandardCharsets.UTF_8));
        ProviderError error = ProviderError.parse(status, redacted.getBytes(StandardCharsets.UTF_8));
        ErrorClass errorClass = endpoint.providerAdapter().classify(error);
        return UpstreamException.fromResponse(endpoint.provider(), errorClass, error, redacted, retryAfterSeconds);
    }

    private UpstreamException noAnswer(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof UpstreamException e) {
            return e;
        }
        boolean timedOut = cause instanceof HttpTimeoutException || cause instanceof TimeoutException;
        String detail = cause instanceof HttpConnectTimeoutException ? "connect timed out"
                : cause instanceof HttpTimeoutException ? "no response within the first-byte timeout"
                : cause instanceof TimeoutException ? "no complete response within the total timeout"
                : cause instanceof ConnectException ? "connection refused"
                : endpoint.redact(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage());
        return UpstreamException.noAnswer(endpoint.provider(),
                timedOut ? ErrorClass.UPSTREAM_TIMEOUT : ErrorClass.CONNECTION_FAILED, detail);
    }
}
