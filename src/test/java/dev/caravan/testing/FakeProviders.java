package dev.caravan.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Upstream providers played on 127.0.0.1: each provider id is a path prefix ({@code /glm/chat/completions}).
 * By default each answers a successful completion in its own wire format (GLM leaves out {@code object});
 * a test queues other answers (errors, delays) per provider, and reads what the gateway sent.
 */
public final class FakeProviders {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as the provider received it. Header names are lower-case. */
    public record Received(String provider, String method, String path, Map<String, List<String>> headers,
                           byte[] body, int remotePort) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase());
            return values == null ? null : values.get(0);
        }
    }

    /**
     * A scripted answer: a body, or server-sent events written one by one with a pause before each.
     *
     * @param events       SSE text written piece by piece ({@code null}: send {@code body})
     * @param dropAtEnd    after the events, cut the connection without ending the response
     */
    public record Answer(int status, String contentType, String body, Map<String, String> headers, long delayMillis,
                         List<String> events, boolean dropAtEnd) {
        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, Map.of(), 0, null, false);
        }

        /** Events, each written and flushed {@code pauseMillis} after the one before. */
        public static Answer stream(long pauseMillis, String... events) {
            return new Answer(200, "text/event-stream", "", Map.of(), pauseMillis, List.of(events), false);
        }

        public Answer withHeader(String name, String value) {
            Map<String, String> h = new TreeMap<>(headers);
            h.put(name, value);
            return new Answer(status, contentType, body, h, delayMillis, events, dropAtEnd);
        }

        public Answer delayed(long millis) {
            return new Answer(status, contentType, body, headers, millis, events, dropAtEnd);
        }

        /** No answer at all: the connection is closed once the request is in. */
        public static Answer connectionClosed() {
            return new Answer(0, "", "", Map.of(), 0, null, true);
        }

        public Answer droppingAtEnd() {
            return new Answer(status, contentType, body, headers, delayMillis, events, true);
        }
    }

    /** A stream the gateway hung up on, as the provider saw it: when its write failed. */
    public record HungUp(String provider, long atNanos, int eventsWritten) {
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Set<Integer> connections = ConcurrentHashMap.newKeySet();
    private final Map<String, Function<Received, Answer>> responders = new ConcurrentHashMap<>();
    private final Map<String, Answer> modelLists = new ConcurrentHashMap<>();
    private final Map<String, Integer> modelListReads = new ConcurrentHashMap<>();
    private final Map<String, Queue<Answer>> scripted = new ConcurrentHashMap<>();
    private final List<HungUp> hungUp = new CopyOnWriteArrayList<>();

    public FakeProviders() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-provider");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl(String provider) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + provider;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Queues answers for the provider's next requests, in order. */
    public void enqueue(String provider, Answer... answers) {
        scripted.computeIfAbsent(provider, p -> new ConcurrentLinkedQueue<>()).addAll(List.of(answers));
    }

    public List<Received> received(String provider) {
        return received.stream().filter(r -> r.provider().equals(provider)).toList();
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    public Received last(String provider) {
        List<Received> r = received(provider);
        if (r.isEmpty()) {
            throw new AssertionError("provider '" + provider + "' received nothing");
        }
        return r.get(r.size() - 1);
    }

    public List<HungUp> hungUp() {
        return List.copyOf(hungUp);
    }

    /** Answers the provider's requests, after its queued answers, by what they ask (until {@link #reset()}). */
    public void respond(String provider, Function<Received, Answer> responder) {
        responders.put(provider, responder);
    }

    /** The client ports of every connection the gateway ever opened here (not cleared by {@link #reset()}). */
    public Set<Integer> connections() {
        return Set.copyOf(connections);
    }

    public void reset() {
        responders.clear();
        received.clear();
        scripted.clear();
        hungUp.clear();
    }

    /**
     * The provider's {@code GET /models} (the gateway's model discovery) answers this from now on: a status and
     * body; by default an empty list. Discovery reads are counted apart from {@link #received()}.
     */
    public void models(String provider, int status, String body) {
        modelLists.put(provider, Answer.json(status, body));
    }

    /** How many times the provider's {@code GET /models} was read. */
    public int modelListReads(String provider) {
        return modelListReads.getOrDefault(provider, 0);
    }

    private void listModels(HttpExchange exchange, String provider) throws IOException {
        modelListReads.merge(provider, 1, Integer::sum);
        Answer answer = modelLists.getOrDefault(provider, Answer.json(200, "{\"object\":\"list\",\"data\":[]}"));
        byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(answer.status(), out.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(out);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String[] parts = path.split("/", 3);
            String provider = parts.length > 1 ? parts[1] : "";
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), List.copyOf(v)));
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (exchange.getRequestMethod().equals("GET") && path.endsWith("/models")) {
                listModels(exchange, provider);
                return;
            }
            Received request = new Received(provider, exchange.getRequestMethod(), path, headers, body,
                    exchange.getRemoteAddress().getPort());
            received.add(request);
            connections.add(request.remotePort());
            Queue<Answer> queue = scripted.get(provider);
            Answer answer = queue == null ? null : queue.poll();
            Function<Received, Answer> responder = responders.get(provider);
            if (answer == null && responder != null) {
                answer = responder.apply(request);
            }
            if (answer == null) {
                answer = request.json().path("stream").asBoolean() ? successStream(request) : success(request);
            }
            if (answer.events() != null) {
                stream(exchange, provider, answer);
                return;
            }
            if (answer.status() == 0) {
                // the JDK server closes the connection when a handler fails before answering
                throw new IllegalStateException("closing the connection without an answer");
            }
            if (answer.delayMillis() > 0) {
                Thread.sleep(answer.delayMillis());
            }
            byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            answer.headers().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException clientGone) {
            // the gateway hung up (timeouts); nothing to answer
        }
    }

    private void stream(HttpExchange exchange, String provider, Answer answer) throws InterruptedException {
        int written = 0;
        try {
            exchange.getResponseHeaders().set("Content-Type", answer.contentType());
            exchange.sendResponseHeaders(answer.status(), 0);
            OutputStream os = exchange.getResponseBody();
            for (String event : answer.events()) {
                Thread.sleep(answer.delayMillis());
                os.write(event.getBytes(StandardCharsets.UTF_8));
                os.flush();
                written++;
            }
        } catch (IOException gatewayHungUp) {
            hungUp.add(new HungUp(provider, System.nanoTime(), written));
            return;
        }
        if (answer.dropAtEnd()) {
            // the JDK server closes the connection without the terminating chunk
            throw new IllegalStateException("dropping the connection mid-stream");
        }
    }

    /**
     * A stream in the provider's own dialect: reasoning, then content; usage where the provider puts it
     * (in the last content chunk for DeepSeek and GLM, always for OpenRouter, else only when asked);
     * comments where the provider sends them; GLM leaves out {@code object}.
     */
    private static Answer successStream(Received request) {
        JsonNode body = request.json();
        String provider = request.provider();
        boolean usageAsked = body.path("stream_options").path("include_usage").asBoolean();
        String object = provider.equals("glm") ? "" : "\"object\":\"chat.completion.chunk\",";
        String head = "{\"id\":\"chatcmpl-s\"," + object + "\"created\":1,\"model\":\"" + body.path("model").asText()
                + "\",";
        String usage = "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}";
        boolean usageInLast = provider.equals("deepseek") || provider.equals("glm");
        List<String> events = new ArrayList<>();
        if (provider.equals("openrouter")) {
            events.add(": OPENROUTER PROCESSING\n\n");
        }
        events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                + "\"reasoning_content\":\"think\"},\"finish_reason\":null}]}\n\n");
        if (provider.equals("deepseek")) {
            events.add(": keep-alive\n\n");
        }
        events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},"
                + "\"finish_reason\":null}]}\n\n");
        events.add("data: " + head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"},"
                + "\"finish_reason\":\"stop\"}]" + (usageInLast ? "," + usage : "") + "}\n\n");
        if (!usageInLast && (usageAsked || provider.equals("openrouter"))) {
            events.add("data: " + head + "\"choices\":[]," + usage + "}\n\n");
        }
        events.add("data: [DONE]\n\n");
        return Answer.stream(0, events.toArray(String[]::new));
    }

    /** A well-formed answer in the provider's own dialect. */
    private static Answer success(Received request) {
        JsonNode body = request.json();
        String model = body.path("model").asText();
        ObjectNode answer = JSON.createObjectNode();
        if (request.path().endsWith("/embeddings")) {
            answer.put("object", "list").put("model", model);
            answer.putArray("data").addObject().put("object", "embedding").put("index", 0)
                    .putArray("embedding").add(0.25).add(-0.5);
            answer.putObject("usage").put("prompt_tokens", 3).put("total_tokens", 3);
        } else {
            answer.put("id", "chatcmpl-" + request.provider());
            if (!request.provider().equals("glm")) {
                answer.put("object", "chat.completion");
            }
            answer.put("created", 1_700_000_000).put("model", model);
            ObjectNode message = answer.putArray("choices").addObject().put("index", 0)
                    .put("finish_reason", "stop").putObject("message");
            message.put("role", "assistant").put("content", "answer from " + request.provider())
                    .put("reasoning_content", "thinking by " + request.provider());
            answer.putObject("usage").put("prompt_tokens", 11).put("completion_tokens", 7).put("total_tokens", 18);
            answer.put("provider_extension", "kept");
        }
        return Answer.json(200, answer.toString());
    }

    public void stop() {
        server.stop(0);
    }
}
