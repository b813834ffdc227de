package dev.caravan.openai;

import java.util.concurrent.CompletableFuture;

/**
 * A streamed ({@code text/event-stream}) answer in flight: the body of a streaming exchange. The front door
 * attaches a sink once the response head is written; events flow as the provider sends them, one write at
 * a time, so a slow client slows the provider instead of filling memory.
 */
public interface EventStream {

    /** Starts delivery. Called once. */
    void attach(Sink sink);

    /** The client went away: stop at once and hang up on the provider. */
    void cancel();

    /** Completes when the stream has ended, however it ended. */
    CompletableFuture<Outcome> outcome();

    /** Where the events go. */
    interface Sink {
        /** Writes bytes; {@code written} runs once they are on their way, and only then comes the next write. */
        void write(byte[] bytes, Runnable written);

        /** Ends the response. */
        void close();
    }

    /**
     * How a stream ended.
     *
     * @param usage            what the provider reported, or an estimate
     * @param errorCode        the code of the error event sent to the client, {@code null} when none was
     * @param clientGone       the client disconnected before the end
     * @param firstTokenNanos  {@link System#nanoTime()} of the first content, reasoning or tool-call delta; 0 if none
     * @param failure          when the stream failed after it started: what the client was sent, for the dead
     *                         letter; {@code null} otherwise
     */
    record Outcome(Usage usage, String errorCode, boolean clientGone, long firstTokenNanos, Failure failure) {
    }

    /**
     * A stream that failed after it started.
     *
     * @param request  the chat completion request, as a dead letter keeps requests (and a replay sends them)
     * @param message  the error event's message
     * @param streamed the start of what the client was sent before the error (at most a few KB)
     */
    record Failure(byte[] request, String message, String streamed) {
    }
}
