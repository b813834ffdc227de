package dev.caravan.provider;

import dev.caravan.edge.NativeRequest;
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
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    private static final List<String> RATE_LIMIT_RESETS = List.of("x-ratelimit-reset", "x-ratelimit-reset-requests",
            "x-ratelimit-reset-tokens");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");

    private final HttpClient client;
    private final Map<OpenAiRequest.Operation, URI> uris = new EnumMap<>(OpenAiRequest.Operation.class);
    private final String authorization;
    private final String apiKey;
    /** {@code <anthropicBaseUrl>/v1/messages} when the provider serves Anthropic's Messages API itself, else {@code null}. */
    private final URI messages;
    private final Duration firstByteTimeout;
    private final long totalTimeoutMillis;
    private final URI models;

    /** @param anthropicBaseUrl base of the provider's own Anthropic Messages API; blank when it has none */
    HttpUpstream(String baseUrl, String anthropicBaseUrl, String apiKey, Duration connectTimeout,
                 Duration firstByteTimeout, Duration totalTimeout, Executor executor) {
        String base = withoutSlash(baseUrl);
        for (OpenAiRequest.Operation operation : OpenAiRequest.Operation.values()) {
            uris.put(operation, URI.create(base + operation.path()));
        }
        this.models = URI.create(base + "/models");
        this.messages = anthropicBaseUrl.isBlank() ? null
                : URI.create(withoutSlash(anthropicBaseUrl) + NativeRequest.Protocol.ANTHROPIC_MESSAGES.path());
        this.apiKey = apiKey;
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

    private static String withoutSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public CompletableFuture<Answer> send(OpenAiRequest.Operation operation, byte[] body, boolean stream) {
        return send(request(uris.get(operation), body, stream).build(), stream);
    }

    @Override
    public CompletableFuture<Answer> listModels() {
        return send(HttpRequest.newBuilder(models).timeout(firstByteTimeout).header("Authorization", authorization)
                .header("Accept", "application/json").header("User-Agent", "caravan").GET().build(), false);
    }

    @Override
    public boolean serves(NativeRequest.Protocol protocol) {
        return protocol == NativeRequest.Protocol.ANTHROPIC_MESSAGES && messages != null;
    }

    /**
     * Anthropic's Messages API: the key as {@code x-api-key} and as a bearer token (providers take one or
     * the other), with the client's {@code anthropic-version} and {@code anthropic-beta}, nothing else of it.
     */
    @Override
    public CompletableFuture<Answer> sendNative(NativeRequest request, byte[] body) {
        HttpRequest.Builder builder = request(messages, body, request.stream())
                .header("x-api-key", apiKey)
                .header("anthropic-version", request.version() != null ? request.version() : "2023-06-01");
        if (request.beta() != null) {
            builder.header("anthropic-beta", request.beta());
        }
        return send(builder.build(), request.stream());
    }

    private HttpRequest.Builder request(URI uri, byte[] body, boolean stream) {
        return HttpRequest.newBuilder(uri)
                .timeout(firstByteTimeout)
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? "text/event-stream" : "application/json")
                .header("User-Agent", "caravan")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    private CompletableFuture<Answer> send(HttpRequest request, boolean stream) {
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

    /**
     * How long the provider asks to wait: {@code Retry-After} in seconds, else the longest of the
     * {@code x-ratelimit-reset*} headers (OpenAI and Groq send durations such as {@code 7.66s} or
     * {@code 1m30s}); {@code null} when it says nothing usable.
     */
    static Long retryAfterSeconds(HttpResponse<?> response) {
        Optional<String> retryAfter = response.headers().firstValue("retry-after");
        if (retryAfter.isPresent()) {
            try {
                return (long) Math.ceil(Double.parseDouble(retryAfter.get().strip()));
            } catch (NumberFormatException httpDate) {
                return null;
            }
        }
        Double longest = null;
        for (String name : RATE_LIMIT_RESETS) {
            for (String value : response.headers().allValues(name)) {
                Double seconds = durationSeconds(value.strip());
                if (seconds != null && (longest == null || seconds > longest)) {
                    longest = seconds;
                }
            }
        }
        return longest == null ? null : (long) Math.ceil(longest);
    }

    /** {@code 7.66s}, {@code 1m30s}, {@code 250ms}, or plain seconds. */
    static Double durationSeconds(String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException notPlain) {
            Matcher part = DURATION_PART.matcher(value);
            double seconds = 0;
            int at = 0;
            while (at < value.length()) {
                part.region(at, value.length());
                if (!part.lookingAt()) {
                    return null;
                }
                double amount = Double.parseDouble(part.group(1));
                seconds += switch (part.group(2)) {
                    case "h" -> amount * 3600;
                    case "m" -> amount * 60;
                    case "ms" -> amount / 1000;
                    default -> amount;
                };
                at = part.end();
            }
            return at == 0 ? null : seconds;
        }
    }
}
