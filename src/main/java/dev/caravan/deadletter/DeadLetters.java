package dev.caravan.deadletter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.frontdoor.StreamFailures;
import dev.caravan.json.Json;
import dev.caravan.metrics.GatewayMetrics;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import dev.caravan.openai.OpenAiRequest;
import dev.caravan.provider.UpstreamException;
import dev.caravan.request.Attempt;
import dev.caravan.request.GatewayKey;
import dev.caravan.request.GatewayRequest;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The dead-letter store: one JSON file per request whose provider calls failed, under
 * {@code caravan.dead-letters.dir}, with the request as it was sent (the admin API shows it with secret-looking
 * fields masked; a replay sends it as it was), the error the client got, and every provider call with its raw
 * error body. A failure without any provider call (an open breaker, a cool-down) is no dead letter. At most
 * {@code max-count} records of at most {@code max-age} are kept, the oldest dropped first. Written off the
 * request path by one writer thread; read by the admin API.
 */
@Component("deadLetters")
public class DeadLetters implements Processor, StreamFailures {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final Pattern ID = Pattern.compile("[0-9a-f-]{8,40}");
    private static final Set<String> SECRET_FIELDS = Set.of("api_key", "apikey", "authorization", "password",
            "secret", "token", "access_token");

    private final Path dir;
    private final int maxCount;
    private final Duration maxAge;
    /** The ids on disk, oldest first (an id starts with its time); touched by the writer thread only. */
    private final Deque<String> kept = new ArrayDeque<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "caravan-dead-letters");
        t.setDaemon(true);
        return t;
    });

    private final GatewayMetrics metrics;

    DeadLetters(DeadLetterProperties properties, GatewayMetrics metrics) {
        this.dir = Path.of(properties.dir());
        this.maxCount = Math.max(1, properties.maxCount());
        this.maxAge = properties.maxAge();
        this.metrics = metrics;
        writer.execute(this::loadKept);
    }

    /** Route step: records the failed request of the exchange, if a provider was called at all. */
    @Override
    public void process(Exchange exchange) {
        if (GatewayRequest.of(exchange).attempts().isEmpty()) {
            return; // failed fast (open breaker, cool-down): nothing a provider said to keep
        }
        ObjectNode record = record(exchange);
        metrics.deadLetter();
        writer.execute(() -> write(record));
    }

    private void loadKept() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(name -> name.endsWith(".json"))
                    .map(name -> name.substring(0, name.length() - ".json".length())).sorted().forEach(kept::add);
        } catch (IOException e) {
            LOG.error("Dead letters in {} not listed: {}", dir, e.toString());
        }
        prune();
    }

    /** Drops the oldest records past the count limit, and those past the age limit. */
    private void prune() {
        String oldestKept = String.format(Locale.ROOT, "%013x", System.currentTimeMillis() - maxAge.toMillis());
        int dropped = 0;
        while (!kept.isEmpty() && (kept.size() > maxCount || kept.peekFirst().compareTo(oldestKept) < 0)) {
            try {
                Files.deleteIfExists(dir.resolve(kept.pollFirst() + ".json"));
                dropped++;
            } catch (IOException e) {
                LOG.error("Dead letter not dropped: {}", e.toString());
                break;
            }
        }
        if (dropped > 0) {
            metrics.deadLettersDropped(dropped);
        }
    }

    /** A stream that failed after it started: kept with what the client was sent before the error. */
    @Override
    public void failed(Exchange exchange, EventStream.Failure failure, String errorCode) {
        ObjectNode record = record(exchange, failure.request(), 200, Json.MAPPER.createObjectNode()
                .put("message", failure.message()).put("type", "stream_error").put("code", errorCode));
        record.put("streamed", failure.streamed());
        metrics.deadLetter();
        writer.execute(() -> write(record));
    }

    private ObjectNode record(Exchange exchange) {
        UpstreamException failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, UpstreamException.class);
        OpenAiRequest request = exchange.getMessage().getBody(OpenAiRequest.class);
        OpenAiError error = failure.error();
        return record(exchange, request == null ? null : request.raw(), error.status(), Json.MAPPER.createObjectNode()
                .put("message", error.message()).put("type", error.type()).put("code", error.code()));
    }

    /** @param request the request's body as sent, {@code null} when there is none */
    private ObjectNode record(Exchange exchange, byte[] request, int status, ObjectNode error) {
        long now = System.currentTimeMillis();
        String id = String.format(Locale.ROOT, "%013x-%08x", now, ThreadLocalRandom.current().nextInt());
        GatewayRequest state = GatewayRequest.of(exchange);
        GatewayKey key = state.key();
        ObjectNode record = Json.MAPPER.createObjectNode()
                .put("id", id)
                .put("time", Instant.ofEpochMilli(now).toString())
                .put("request_id", state.id())
                .put("key", key == null ? null : key.name())
                .put("path", exchange.getIn().getHeader(Exchange.HTTP_URI, String.class));
        record.put("model", state.model());
        if (request != null) {
            try {
                record.set("request", Json.MAPPER.readTree(request));
            } catch (IOException e) {
                throw new UncheckedIOException(e); // validated when it came in
            }
        }
        record.put("status", status);
        record.set("error", error);
        ArrayNode attempts = record.putArray("attempts");
        for (Attempt a : state.attempts()) {
            attempts.addObject().put("provider", a.provider()).put("upstream_model", a.upstreamModel())
                    .put("url", a.url()).put("outcome", a.outcome()).put("latency_ms", a.millis())
                    .put("provider_body", a.providerBody());
        }
        return record;
    }

    /** Values of fields named like secrets are replaced, at any depth. */
    private static JsonNode masked(JsonNode node) {
        if (node instanceof ObjectNode object) {
            object.fieldNames().forEachRemaining(name -> {
                if (SECRET_FIELDS.contains(name.toLowerCase(Locale.ROOT))) {
                    object.put(name, "[redacted]");
                } else {
                    masked(object.get(name));
                }
            });
        } else if (node instanceof ArrayNode array) {
            array.forEach(DeadLetters::masked);
        }
        return node;
    }

    private void write(ObjectNode record) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(record.path("id").asText() + ".tmp");
            Files.write(tmp, Json.MAPPER.writeValueAsBytes(record));
            Files.move(tmp, dir.resolve(record.path("id").asText() + ".json"), StandardCopyOption.ATOMIC_MOVE);
            kept.addLast(record.path("id").asText());
        } catch (IOException e) {
            LOG.error("Dead letter {} not stored: {}", record.path("id").asText(), e.toString());
        }
        prune();
    }

    /** The newest records, without their request bodies. */
    public List<JsonNode> list(int limit) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".json"))
                    .sorted((a, b) -> b.getFileName().compareTo(a.getFileName()))
                    .limit(limit)
                    .map(DeadLetters::read)
                    .map(r -> (JsonNode) ((ObjectNode) r).without(List.of("request")))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A record as the admin API shows it: its request with secret-looking fields masked. */
    public JsonNode get(String id) {
        ObjectNode record = (ObjectNode) original(id);
        if (record.has("request")) {
            masked(record.get("request"));
        }
        return record;
    }

    /**
     * A record as it was stored, its request as the client sent it (what a replay sends).
     *
     * @throws GatewayException 404 when there is no such record
     */
    public JsonNode original(String id) {
        Path file = ID.matcher(id).matches() ? dir.resolve(id + ".json") : null;
        if (file == null || !Files.isRegularFile(file)) {
            throw new GatewayException(new OpenAiError(404, "No dead letter '" + abbreviate(id) + "'.",
                    "invalid_request_error", null, "not_found"));
        }
        return read(file);
    }

    private static String abbreviate(String id) {
        return id.length() > 64 ? id.substring(0, 64) + "…" : id;
    }

    private static JsonNode read(Path file) {
        try {
            return Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes what is queued before the gateway stops: no record is dropped on a busy shutdown. */
    @PreDestroy
    void close() throws InterruptedException {
        writer.shutdown();
        if (!writer.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.error("Dead letters still unwritten after 30 s at shutdown");
        }
    }
}
