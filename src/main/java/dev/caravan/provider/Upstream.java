package dev.caravan.provider;

import dev.caravan.edge.NativeRequest;
import dev.caravan.openai.OpenAiRequest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/** Where a provider endpoint sends its requests: a provider's HTTP API, or the in-process demo model. */
interface Upstream {

    /**
     * Sends one body; completes when the response headers are in (the whole body, unless it is a stream),
     * never blocking the caller.
     */
    CompletableFuture<Answer> send(OpenAiRequest.Operation operation, byte[] body, boolean stream);

    /** The provider's {@code GET /models}, whole (model discovery); none by default. */
    default CompletableFuture<Answer> listModels() {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("no model list"));
    }

    /** Frees what it holds (pooled connections) when its provider stops. */
    default void close() {
    }

    /** Whether the provider serves the protocol itself. */
    default boolean serves(NativeRequest.Protocol protocol) {
        return false;
    }

    /** Sends a client's request in its own protocol ({@link #serves} it), like {@link #send}. */
    default CompletableFuture<Answer> sendNative(NativeRequest request, byte[] body) {
        throw new UnsupportedOperationException(request.protocol() + " is not served natively");
    }

    /**
     * One upstream answer: a whole body, or for a successful stream the events as they come.
     *
     * @param body              the whole body; {@code null} when {@code events} is set
     * @param events            a {@code text/event-stream} body not yet read; {@code null} otherwise
     * @param retryAfterSeconds the provider's {@code Retry-After}, when it sent one in seconds
     */
    record Answer(int status, String contentType, byte[] body, Flow.Publisher<List<ByteBuffer>> events,
                  Long retryAfterSeconds) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }
}
