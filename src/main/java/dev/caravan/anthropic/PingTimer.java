package dev.caravan.anthropic;

import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "caravan-anthropic-ping");
        thread.setDaemon(true);
        return thread;
    });

    /** Runs the check every tick until the returned future is cancelled. */
    ScheduledFuture<?> every(Runnable check) {
        return timer.scheduleAtFixedRate(check, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
    }
}
