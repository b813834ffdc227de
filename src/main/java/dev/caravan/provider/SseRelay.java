package dev.caravan.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.edge.AnthropicError;
import dev.caravan.json.JsonMembers;
import dev.caravan.openai.EventStream;
import dev.caravan.openai.SseDecoder;
import dev.caravan.openai.Usage;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a provider's server-sent events to the client as they arrive, one event at a time, holding no
 * thread while it waits. On the way it drops SSE comments, adds {@code object} where a provider leaves it
 * out, reads usage (and hides the usage-only chunk the gateway asked for but the client did not), and
 * turns an in-band {@code {"error":…}} event into a normalised one.
 *
 * <p>A provider serving Anthropic's Messages API natively streams Anthropic's events: they are relayed as
 * they are ({@link Dialect#ANTHROPIC}), usage read from {@code message_start} and {@code message_delta}, the
 * end being {@code message_stop}, and a failure reported as Anthropic's {@code error} event.
 *
 * <p>Until the first event is in, nothing is committed: a failure then fails the exchange like any other
 * ({@link #committed()}), so fallback can still act. After it, a failure becomes one final
 * {@code data: {"error":…}} event and the stream ends; it never hangs or stops silently.
 */
final class SseRelay implements Flow.Subscriber<List<ByteBuffer>>, EventStream {

    private static final Logger LOG = LoggerFactory.getLogger(SseRelay.class);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final int STREAMED_HEAD_BYTES = 4096;

    /** The protocol of the events. */
    enum Dialect { CHAT, ANTHROPIC }

    private final Dialect dialect;
    /** Anthropic: the usage of {@code message_start}, updated by each {@code message_delta}. */
    private ObjectNode anthropicUsage;

    private final String provider;
    private final boolean forwardUsageChunk;
    /** The chat completion request: its size estimates usage when none arrives; kept for a dead letter. */
    private final byte[] request;
    /** The start of what the client was sent, for the dead letter of a stream failing after its start. */
    private final ByteArrayOutputStream streamedHead = new ByteArrayOutputStream();
    private String errorMessage;
    private final Function<byte[], UpstreamException> inBandError;
    private final Function<Throwable, UpstreamException> failure;
    private final CompletableFuture<Void> committed = new CompletableFuture<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final Timeout deadline;

    // guarded by this
    private Flow.Subscription subscription;
    private boolean requested;
    private final SseDecoder events = new SseDecoder(this::event);
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private Sink sink;
    private boolean writing;
    private boolean upstreamEnded;
    private boolean closed;
    private Usage usage;
    private long completionChars;
    private boolean finished;
    private boolean doneSeen;
    private String errorCode;
    private boolean clientGone;
    private long firstTokenNanos;

    /**
     * @param forwardUsageChunk whether the client asked for {@code stream_options.include_usage}
     * @param request           the chat completion request
     * @param inBandError       normalises an error event's JSON
     * @param failure           normalises a transport failure
     */
    SseRelay(String provider, Dialect dialect, boolean forwardUsageChunk, byte[] request, long totalTimeoutMillis,
             Timer deadlines, Function<byte[], UpstreamException> inBandError,
             Function<Throwable, UpstreamException> failure) {
        this.provider = provider;
        this.dialect = dialect;
        this.forwardUsageChunk = forwardUsageChunk;
        this.request = request;
        this.inBandError = inBandError;
        this.failure = failure;
        this.deadline = deadlines.newTimeout(expired -> timeout(), totalTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Completes once the first event is in (the answer can be committed), or fails before that. */
    CompletableFuture<Void> committed() {
        return committed;
    }

    @Override
    public CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (closed) {
            s.cancel();
        } else {
            pump();
        }
    }

    @Override
    public synchronized void onNext(List<ByteBuffer> items) {
        requested = false;
        if (closed || upstreamEnded) {
            return;
        }
        try {
            for (ByteBuffer item : items) {
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                events.feed(bytes);
            }
        } catch (RuntimeException e) {
            LOG.error("Relaying the stream of provider '{}' failed", provider, e);
            fail(UpstreamException.noAnswer(provider, ErrorClass.INVALID_RESPONSE, "the stream could not be relayed"));
            return;
        }
        pump();
    }

    @Override
    public synchronized void onError(Throwable t) {
        if (closed || upstreamEnded) {
            return;
        }
        fail(failure.apply(t));
    }

    @Override
    public synchronized void onComplete() {
        if (closed || upstreamEnded) {
            return;
        }
        events.feed(new byte[] {'\n', '\n'}); // an unterminated last event still counts
        if (!doneSeen && !upstreamEnded) {
            if (finished) {
                if (dialect == Dialect.CHAT) {
                    pending.writeBytes(DONE); // some providers end without [DONE]; clients wait for it
                }
            } else {
                fail(UpstreamException.noAnswer(provider, ErrorClass.UPSTREAM_ERROR,
                        "the stream ended before the answer was complete"));
                return;
            }
        }
        upstreamEnded = true;
        pump();
    }

    @Override
    public synchronized void attach(Sink target) {
        sink = target;
        pump();
    }

    @Override
    public synchronized void cancel() {
        if (closed) {
            return;
        }
        clientGone = true;
        closed = true;
        if (subscription != null) {
            subscription.cancel();
        }
        complete();
    }

    private synchronized void timeout() {
        if (!closed && !upstreamEnded) {
            fail(UpstreamException.noAnswer(provider, ErrorClass.UPSTREAM_TIMEOUT,
                    "the stream did not end within the total timeout"));
        }
    }

    /** A failure: before commit the exchange fails; after it, a final error event ends the stream. */
    private void fail(UpstreamException e) {
        upstreamEnded = true;
        if (subscription != null) {
            subscription.cancel();
        }
        if (!committed.isDone()) {
            closed = true;
            errorCode = e.error().code();
            committed.completeExceptionally(e);
            complete();
            return;
        }
        errorCode = e.error().code();
        errorMessage = e.error().message();
        if (dialect == Dialect.ANTHROPIC) {
            emit("error", AnthropicError.body(e.error()));
        } else {
            emit(e.error().toJson());
        }
        pump();
    }

    /** Moves things along: commit, write what is pending, ask for more, or end. */
    private void pump() {
        if (closed) {
            return;
        }
        if (!committed.isDone() && pending.size() > 0) {
            committed.complete(null);
        }
        if (sink != null && !writing) {
            if (pending.size() > 0) {
                writing = true;
                byte[] bytes = pending.toByteArray();
                pending.reset();
                streamedHead.write(bytes, 0, Math.min(bytes.length, STREAMED_HEAD_BYTES - streamedHead.size()));
                sink.write(bytes, this::written);
                return;
            }
            if (upstreamEnded) {
                closed = true;
                sink.close();
                complete();
                return;
            }
        }
        boolean wantMore = !committed.isDone() || (sink != null && !writing);
        if (wantMore && !upstreamEnded && !requested && subscription != null) {
            requested = true;
            subscription.request(1);
        }
    }

    private synchronized void written() {
        writing = false;
        pump();
    }

    private void complete() {
        deadline.cancel();
        Usage reported = usage != null ? usage : Usage.estimate(request.length, completionChars);
        Failure failure = errorMessage == null ? null
                : new Failure(request, errorMessage, streamedHead.toString(StandardCharsets.UTF_8));
        outcome.complete(new Outcome(reported, errorCode, clientGone, firstTokenNanos, failure));
    }

    /** A decoded event of the provider's stream; its {@code event:} name is not needed (Anthropic's is its type). */
    private boolean event(String name, byte[] json) {
        event(json);
        return !upstreamEnded;
    }

    private void event(byte[] json) {
        if (dialect == Dialect.ANTHROPIC) {
            anthropicEvent(json);
            return;
        }
        if (json.length == 6 && new String(json, StandardCharsets.US_ASCII).equals("[DONE]")) {
            doneSeen = true;
            pending.writeBytes(DONE);
            return;
        }
        ChatChunk chunk = ChatChunk.scan(json);
        if (chunk == null) {
            emit(json); // not an object: relayed untouched, the client decides
            return;
        }
        if (chunk.error && !chunk.choices) {
            fail(inBandError.apply(json));
            return;
        }
        if (chunk.usage != null) {
            usage = Usage.of(chunk.usage);
        }
        completionChars += chunk.deltaChars;
        if (chunk.deltaChars > 0 && firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
        finished |= chunk.finished;
        if (chunk.emptyChoices && chunk.usage != null && !forwardUsageChunk) {
            return; // the usage chunk the gateway asked for on its own account
        }
        emit(chunk.object ? json : JsonMembers.insertFirst(json, "object", "\"chat.completion.chunk\""));
    }

    /** An event of Anthropic's stream, relayed as it came; its name is its {@code type}. */
    private void anthropicEvent(byte[] json) {
        AnthropicEvent event = AnthropicEvent.read(json);
        if (event == null) {
            return;
        }
        if ("error".equals(event.type())) {
            fail(inBandError.apply(json));
            return;
        }
        ObjectNode before = anthropicUsage;
        anthropicUsage = event.usageAfter(before);
        if (anthropicUsage != null && (usage == null || "message_delta".equals(event.type()) && event.usage() != null)) {
            usage = Usage.ofAnthropic(anthropicUsage);
        }
        completionChars += event.deltaChars();
        if (event.deltaChars() > 0 && firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
        finished |= "message_stop".equals(event.type());
        emit(event.type().isEmpty() ? "message" : event.type(), json);
    }

    private void emit(String name, byte[] json) {
        pending.writeBytes(("event: " + name + "\n").getBytes(StandardCharsets.UTF_8));
        emit(json);
    }

    private void emit(byte[] json) {
        pending.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII));
        pending.writeBytes(json);
        pending.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
    }
}
