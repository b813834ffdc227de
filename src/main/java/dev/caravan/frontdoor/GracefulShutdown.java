package dev.caravan.frontdoor;

import dev.caravan.openai.GatewayException;
import dev.caravan.openai.OpenAiError;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.netty.NettyConstants;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Graceful shutdown (SIGTERM, the application context closing, or a Camel Main application stopping): before
 * Camel stops its routes, the front door takes no new work (503 {@code shutting_down}, connection closed;
 * {@code /ready} answers 503), and requests and streams in flight finish, for {@code caravan.shutdown-timeout} at
 * most; idle keep-alive connections are closed at once, the others after their answer. Then Camel stops, and the
 * usage ledger and dead letters write what they hold as their beans close.
 */
@Component
public class GracefulShutdown {

    private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);

    private final CamelContext camel;
    private final ConnectionGuard connections;
    private final Duration timeout;
    private final AtomicInteger openStreams = new AtomicInteger();
    private volatile boolean draining;

    GracefulShutdown(CamelContext camel, ConnectionGuard connections,
                     @Value("${caravan.shutdown-timeout:30s}") Duration timeout) {
        this.camel = camel;
        this.connections = connections;
        this.timeout = timeout;
        // Camel's own hook, whoever stops it: Spring closing its context, or a Camel Main application
        camel.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext context) {
                drain();
            }
        });
    }

    /** Runs when Camel is asked to stop, before it stops anything. */
    private void drain() {
        draining = true;
        connections.drain();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (inFlight() > 0) {
            LOG.warn("Shutting down with {} requests and {} streams still open after {}",
                    camel.getInflightRepository().size(), openStreams.get(), timeout);
        }
    }

    private int inFlight() {
        return camel.getInflightRepository().size() + openStreams.get();
    }

    boolean draining() {
        return draining;
    }

    /** Front-door step while draining: refuses the request, and closes its connection. */
    void refuse(Exchange exchange) {
        exchange.setProperty(NettyConstants.NETTY_CLOSE_CHANNEL_WHEN_COMPLETE, true);
        throw new GatewayException(new OpenAiError(503, "The gateway is shutting down; send the request again.",
                "server_error", null, "shutting_down"), 1L);
    }

    void streamOpened() {
        openStreams.incrementAndGet();
    }

    void streamClosed() {
        openStreams.decrementAndGet();
    }
}
