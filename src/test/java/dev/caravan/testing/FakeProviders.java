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
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

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

    /** A scripted answer. */
    public record Answer(int status, String contentType, String body, Map<String, String> headers, long delayMillis) {
        public static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, Map.of(), 0);
        }

        public Answer withHeader(String name, String value) {
            Map<String, String> h = new TreeMap<>(headers);
            h.put(name, value);
            return new Answer(status, contentType, body, h, delayMillis);
        }

        public Answer delayed(long millis) {
            return new Answer(status, contentType, body, headers, millis);
        }
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Queue<Answer>> scripted = new ConcurrentHashMap<>();

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

    public void reset() {
        received.clear();
        scripted.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String[] parts = path.split("/", 3);
            String provider = parts.length > 1 ? parts[1] : "";
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), List.copyOf(v)));
            byte[] body = exchange.getRequestBody().readAllBytes();
            Received request = new Received(provider, exchange.getRequestMethod(), path, headers, body,
                    exchange.getRemoteAddress().getPort());
            received.add(request);
            Queue<Answer> queue = scripted.get(provider);
            Answer answer = queue == null ? null : queue.poll();
            if (answer == null) {
                answer = success(request);
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
