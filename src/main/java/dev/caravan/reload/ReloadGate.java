package dev.caravan.reload;

import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Requests and a reload that replaces routes: it closes the gate while it replaces them, and requests arriving
 * then ({@link RoutesBeingReplaced}) wait at it, off the I/O threads, so that none enters a route half replaced.
 */
@Component("reloadGate")
public class ReloadGate {

    private final long waitNanos;
    private volatile boolean closed;
    private final Object opened = new Object();

    ReloadGate(ReloadProperties properties) {
        this.waitNanos = 2 * properties.drainTimeout().toNanos();
    }

    /** Whether routes are being replaced right now. */
    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
    }

    void open() {
        synchronized (opened) {
            closed = false;
            opened.notifyAll();
        }
    }

    /**
     * Route step for requests that arrived while routes were being replaced (on a worker thread): waits until
     * they all are. Bounded by the drain timeout, twice over.
     */
    public void awaitSwap() throws InterruptedException {
        long deadline = System.nanoTime() + waitNanos;
        synchronized (opened) {
            long left;
            while (closed && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(opened, left);
            }
        }
    }
}
