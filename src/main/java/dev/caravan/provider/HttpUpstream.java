package dev.caravan.provider;

import dev.caravan.edge.NativeRequest;
import dev.caravan.openai.OpenAiRequest;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.concurrent.EventExecutor;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import reactor.adapter.JdkFlowAdapter;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;

/**
 * A provider's HTTP API, called with Reactor Netty's client on the front door's own event loops: a request is
 * sent, answered and (for a stream) relayed chunk by chunk without a hand-off to another thread. Keep-alive
 * connections are pooled per provider and event loop; redirects are never followed (they would carry the
 * provider key to another host); bodies are asked for uncompressed (the gateway reads usage from them).
 */
final class HttpUpstream implements Upstream {

    private static final List<String> RATE_LIMIT_RESETS = List.of("x-ratelimit-reset", "x-ratelimit-reset-requests",
            "x-ratelimit-reset-tokens");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");
    /** Connections open to one provider at once, and requests waiting for one beyond them. */
    private static final int MAX_CONNECTIONS = 1024;

    /** One client per event loop, each with its own connections: a call started on a loop stays on it. */
    private final List<LoopClient> clients;
    private final Map<OpenAiRequest.Operation, String> uris = new EnumMap<>(OpenAiRequest.Operation.class);
    private final String messages;
    private final String models;
    private final String apiKey;
    /** The first-byte timeout, or the total one when shorter: how long a call waits for its answer. */
    private final long answerTimeoutMillis;
    private final String answerTimeout;
    /**
     * Where the timeouts wait: a timer wheel takes a timeout and its cancellation without a lock or a thread
     * woken (on JDK 25, {@code CompletableFuture.orTimeout} wakes a scheduler thread for both: two futex calls
     * a request, a third of its CPU).
     */
    private final Timer deadlines;

    /** @param anthropicBaseUrl base of the provider's own Anthropic Messages API; blank when it has none */
    HttpUpstream(String provider, String baseUrl, String anthropicBaseUrl, String apiKey, Duration connectTimeout,
                 Duration firstByteTimeout, Duration totalTimeout, EventLoopGroup loops, Timer deadlines) {
        String base = withoutSlash(baseUrl);
        for (OpenAiRequest.Operation operation : OpenAiRequest.Operation.values()) {
            uris.put(operation, base + operation.path());
        }
        this.models = base + "/models";
        this.messages = anthropicBaseUrl.isBlank() ? null
                : withoutSlash(anthropicBaseUrl) + NativeRequest.Protocol.ANTHROPIC_MESSAGES.path();
        this.apiKey = apiKey;
        this.answerTimeoutMillis = Math.min(firstByteTimeout.toMillis(), totalTimeout.toMillis());
        this.answerTimeout = firstByteTimeout.compareTo(totalTimeout) <= 0
                ? "no response within the first-byte timeout" : "no response within the total timeout";
        this.deadlines = deadlines;
        String authorization = "Bearer " + apiKey;
        List<LoopClient> clients = new ArrayList<>();
        for (EventExecutor loop : loops) {
            ConnectionProvider connections = ConnectionProvider.builder("caravan-" + provider + "-" + clients.size())
                    .maxConnections(MAX_CONNECTIONS).pendingAcquireMaxCount(-1).maxIdleTime(Duration.ofSeconds(30))
                    .build();
            HttpClient client = HttpClient.create(connections).runOn((EventLoop) loop)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                            (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                    .followRedirect(false)
                    .compress(false)
                    .headers(h -> h.set(HttpHeaderNames.AUTHORIZATION, authorization)
                            .set(HttpHeaderNames.USER_AGENT, "caravan"));
            clients.add(new LoopClient(loop, connections, client, client.headers(h -> json(h, false)),
                    client.headers(h -> json(h, true))));
        }
        this.clients = List.copyOf(clients);
    }

    /**
     * An event loop's client.
     *
     * @param wholeAnswers the client with the headers of a JSON request answered whole: set up once, not per call
     * @param streams      the same for a stream
     */
    private record LoopClient(EventExecutor loop, ConnectionProvider connections, HttpClient client,
                              HttpClient wholeAnswers, HttpClient streams) {
    }

    /**
     * The client of the calling thread's event loop: the request, its answer and the client's response then
     * go through one thread, without a task handed to another loop. Any other thread takes any loop's.
     */
    private LoopClient client() {
        for (LoopClient client : clients) {
            if (client.loop().inEventLoop()) {
                return client;
            }
        }
        return clients.get(ThreadLocalRandom.current().nextInt(clients.size()));
    }

    private static String withoutSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public CompletableFuture<Answer> send(OpenAiRequest.Operation operation, byte[] body, boolean stream) {
        LoopClient client = client();
        return call(stream ? client.streams() : client.wholeAnswers(), HttpMethod.POST, uris.get(operation), body,
                stream, null);
    }

    @Override
    public CompletableFuture<Answer> listModels() {
        return call(client().client().headers(h -> h.set(HttpHeaderNames.ACCEPT, "application/json")), HttpMethod.GET,
                models, null, false, null);
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
        LoopClient client = client();
        return call(request.stream() ? client.streams() : client.wholeAnswers(), HttpMethod.POST, messages, body,
                request.stream(), h -> {
                    h.set("x-api-key", apiKey)
                            .set("anthropic-version", request.version() != null ? request.version() : "2023-06-01");
                    if (request.beta() != null) {
                        h.set("anthropic-beta", request.beta());
                    }
                });
    }

    @Override
    public void close() {
        clients.forEach(client -> client.connections().disposeLater().subscribe());
    }

    private static HttpHeaders json(HttpHeaders headers, boolean stream) {
        return headers.set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.ACCEPT, stream ? "text/event-stream" : "application/json");
    }

    /**
     * One exchange. The answer completes when the response headers are in for a successful event stream (its
     * events then flow as the relay asks for them: nothing is read ahead of its demand), else with the whole body;
     * within the first-byte timeout, and the total timeout.
     *
     * @param callHeaders headers of this call alone (set on its request, not on a copy of the client); may be null
     */
    private CompletableFuture<Answer> call(HttpClient client, HttpMethod method, String uri, byte[] body,
                                           boolean stream, Consumer<HttpHeaders> callHeaders) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        HttpClient.ResponseReceiver<?> request = body == null ? client.request(method).uri(uri)
                : client.request(method).uri(uri).send((sent, out) -> {
                    if (callHeaders != null) {
                        callHeaders.accept(sent.requestHeaders());
                    }
                    return out.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)));
                });
        Disposable exchange = request.responseConnection((response, connection) -> stream
                        && isEventStream(response) ? events(response, connection, answer)
                        : whole(response, connection, answer))
                .subscribe(null, failure -> answer.completeExceptionally(failure(failure)));
        // the headers of a stream, or the whole answer, within the first-byte timeout (and the total one)
        Timeout deadline = deadlines.newTimeout(expired -> {
            if (answer.completeExceptionally(new HttpTimeoutException(answerTimeout))) {
                exchange.dispose(); // frees the connection instead of reading a body nobody waits for
            }
        }, answerTimeoutMillis, TimeUnit.MILLISECONDS);
        answer.whenComplete((a, failure) -> deadline.cancel());
        return answer;
    }

    private static boolean isEventStream(HttpClientResponse response) {
        return response.status().code() / 100 == 2
                && contentType(response).toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream");
    }

    /** A successful stream: answered at once; its events are read as the relay asks for them. */
    private static Publisher<Void> events(HttpClientResponse response, Connection connection,
                                          CompletableFuture<Answer> answer) {
        Sinks.Empty<Void> ended = Sinks.empty();
        Flux<List<ByteBuffer>> events = connection.inbound().receive()
                .map(bytes -> List.of(ByteBuffer.wrap(ByteBufUtil.getBytes(bytes))))
                .doFinally(signal -> ended.tryEmitEmpty());
        answer.complete(new Answer(response.status().code(), contentType(response), null,
                JdkFlowAdapter.publisherToFlowPublisher(events), retryAfterSeconds(response.responseHeaders())));
        // the connection goes back to the pool (or is closed, when the relay cancelled) once the events end
        return ended.asMono();
    }

    private static Publisher<Void> whole(HttpClientResponse response, Connection connection,
                                         CompletableFuture<Answer> answer) {
        return connection.inbound().receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
                .doOnNext(bytes -> answer.complete(new Answer(response.status().code(), contentType(response), bytes,
                        null, retryAfterSeconds(response.responseHeaders()))))
                .then();
    }

    private static String contentType(HttpClientResponse response) {
        String type = response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE);
        return type != null ? type : "application/json";
    }

    /** Netty's failures as the JDK client's, which {@link LlmProducer} tells apart. */
    private static Throwable failure(Throwable failure) {
        if (failure instanceof ConnectTimeoutException) {
            return new HttpConnectTimeoutException("connect timed out");
        }
        return failure;
    }

    /**
     * How long the provider asks to wait: {@code Retry-After} in seconds, else the longest of the
     * {@code x-ratelimit-reset*} headers (OpenAI and Groq send durations such as {@code 7.66s} or
     * {@code 1m30s}); {@code null} when it says nothing usable.
     */
    static Long retryAfterSeconds(HttpHeaders headers) {
        String retryAfter = headers.get("retry-after");
        if (retryAfter != null) {
            try {
                return (long) Math.ceil(Double.parseDouble(retryAfter.strip()));
            } catch (NumberFormatException httpDate) {
                return null;
            }
        }
        Double longest = null;
        for (String name : RATE_LIMIT_RESETS) {
            for (String value : headers.getAll(name)) {
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
