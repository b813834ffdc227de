package dev.caravan.provider;

import dev.caravan.openai.OpenAiRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A provider's OpenAI-compatible HTTP API through the JDK client: non-blocking, HTTP/1.1 connections pooled
 * and kept alive, and three timeouts: connect, first byte (until the response headers) and total.
 * The request carries only what the provider needs; nothing of the client's request but the body.
 */
final class HttpUpstream implements Upstream {

    private final HttpClient client;
    private final Map<OpenAiRequest.Operation, URI> uris = new EnumMap<>(OpenAiRequest.Operation.class);
    private final String authorization;
    private final Duration firstByteTimeout;
    private final long totalTimeoutMillis;

    HttpUpstream(String baseUrl, String apiKey, Duration connectTimeout, Duration firstByteTimeout,
                 Duration totalTimeout, Executor executor) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        for (OpenAiRequest.Operation operation : OpenAiRequest.Operation.values()) {
            uris.put(operation, URI.create(base + operation.path()));
        }
        this.authorization = "Bearer " + apiKey;
        this.firstByteTimeout = firstByteTimeout;
        this.totalTimeoutMillis = totalTimeout.toMillis();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                // a redirect would carry the provider key to another host
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    @Override
    public CompletableFuture<Answer> send(OpenAiRequest.Operation operation, byte[] body, boolean stream) {
        HttpRequest request = HttpRequest.newBuilder(uris.get(operation))
                .timeout(firstByteTimeout)
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .header("User-Agent", "caravan")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<? extends HttpResponse<?>> exchange;
        CompletableFuture<Answer> answer;
        if (stream) {
            CompletableFuture<HttpResponse<Flow.Publisher<List<ByteBuffer>>>> call = client.sendAsync(request,
                    HttpResponse.BodyHandlers.ofPublisher());
            exchange = call;
            answer = call.thenCompose(HttpUpstream::streamed);
        } else {
            CompletableFuture<HttpResponse<byte[]>> call = client.sendAsync(request,
                    HttpResponse.BodyHandlers.ofByteArray());
            exchange = call;
            answer = call.thenApply(r -> new Answer(r.statusCode(), contentType(r), r.body(), null,
                    retryAfterSeconds(r)));
        }
        // until the answer is in; a stream's events are then on its relay's deadline
        answer.orTimeout(totalTimeoutMillis, TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
            if (e instanceof TimeoutException) {
                exchange.cancel(true); // frees the connection instead of reading a body nobody waits for
            }
        });
        return answer;
    }

    /** A successful event stream is handed on unread; anything else (errors) is read whole. */
    private static CompletableFuture<Answer> streamed(HttpResponse<Flow.Publisher<List<ByteBuffer>>> response) {
        String contentType = contentType(response);
        if (response.statusCode() / 100 == 2 && contentType.startsWith("text/event-stream")) {
            return CompletableFuture.completedFuture(new Answer(response.statusCode(), contentType, null,
                    response.body(), retryAfterSeconds(response)));
        }
        HttpResponse.BodySubscriber<byte[]> whole = HttpResponse.BodySubscribers.ofByteArray();
        response.body().subscribe(whole);
        return whole.getBody().toCompletableFuture().thenApply(bytes -> new Answer(response.statusCode(),
                contentType, bytes, null, retryAfterSeconds(response)));
    }

    private static String contentType(HttpResponse<?> response) {
        return response.headers().firstValue("content-type").orElse("application/json");
    }

    private static Long retryAfterSeconds(HttpResponse<?> response) {
        return response.headers().firstValue("retry-after").map(v -> {
            try {
                return (long) Math.ceil(Double.parseDouble(v.strip()));
            } catch (NumberFormatException httpDate) {
                return null;
            }
        }).orElse(null);
    }
}
