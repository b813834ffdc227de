package dev.caravan.provider;

import dev.caravan.openai.OpenAiRequest;
import java.util.concurrent.CompletableFuture;

/** Where a provider endpoint sends its requests: a provider's HTTP API, or the in-process demo model. */
interface Upstream {

    /** Sends one body; completes when the answer is in, never blocking the caller. */
    CompletableFuture<Answer> send(OpenAiRequest.Operation operation, byte[] body, boolean stream);

    /**
     * One upstream answer.
     *
     * @param retryAfterSeconds the provider's {@code Retry-After}, when it sent one in seconds
     */
    record Answer(int status, String contentType, byte[] body, Long retryAfterSeconds) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }
}
