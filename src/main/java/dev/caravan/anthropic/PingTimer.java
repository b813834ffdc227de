package dev.caravan.anthropic;

import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * The one thread that sends every Messages stream's {@code ping} events: a stream whose provider was silent
 * for {@link #INTERVAL} gets one, and another each interval while the silence lasts, so proxies and
 * clients do not take a long wait (a model thinking before its first token) for a dead connection.
 */
@Component
class PingTimer {

    static final Duration INTERVAL = Duration.ofSeconds(3);
    /** How often each stream checks its silence: a ping comes at most this late. */
    private static final Duration TICK = Duration.ofSeconds(1);

    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
        Thread thread = new Thread(task, "caravan-anthropic-ping");
        thread.setDaemon(true);
        return thread;
    });

    PingTimer() {
        timer.setRemoveOnCancelPolicy(true); // a stream's task goes when it ends, not a tick later
    }

    /**
     * Runs the check every tick until the returned future is cancelled. A check that throws is not run again.
     *
     * @return the task; {@code null} once the timer stopped (the application shuts down): no check runs
     */
    ScheduledFuture<?> every(Runnable check) {
        try {
            return timer.scheduleAtFixedRate(check, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            return null;
        }
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
    }
}
