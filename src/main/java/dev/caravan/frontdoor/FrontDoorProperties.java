package dev.caravan.frontdoor;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The front door ({@code caravan.host} and {@code caravan.port} are read by the route's endpoint URI).
 *
 * @param maxBodySize    the largest request body accepted; larger ones get 413
 * @param maxBodyBuffer  request bodies being received, all connections together, are held up to this (at least
 *                       max-body-size); the request whose bytes would pass it gets 503 server_busy
 * @param ioThreads      Netty I/O threads of the front door, where the routes and upstream calls run; default one per
 *                       core
 * @param timeouts       how long a client connection may keep the gateway waiting, see {@link Timeouts}
 * @param maxConnections client connections open at once; beyond it a new connection gets 503 and is closed.
 *                       Default 10,000, at most half the process's open-file limit
 */
@ConfigurationProperties("caravan")
record FrontDoorProperties(@DefaultValue("16MB") DataSize maxBodySize, @DefaultValue("64MB") DataSize maxBodyBuffer,
                           Integer ioThreads,
                           @DefaultValue Timeouts timeouts, Integer maxConnections) {

    static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    long bodyBufferBytes() {
        return Math.max(maxBodyBuffer.toBytes(), maxBodySize.toBytes());
    }

    int ioThreadCount() {
        return ioThreads != null && ioThreads > 0 ? ioThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    int maxConnectionCount() {
        if (maxConnections != null && maxConnections > 0) {
            return maxConnections;
        }
        // leave room under the open-file limit for upstream sockets, the database and the JVM's own files
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os
                && os.getMaxFileDescriptorCount() > 0) {
            return (int) Math.max(64, Math.min(DEFAULT_MAX_CONNECTIONS, os.getMaxFileDescriptorCount() / 2));
        }
        return DEFAULT_MAX_CONNECTIONS;
    }

    /**
     * Timeouts of a client connection. A request being processed or streamed is bounded by its route and
     * provider timeouts, not by these.
     *
     * @param idle    a connection waiting for its next request (no byte of it yet) is closed after this
     * @param headers a request's line and headers must be complete this long after its first byte (408, closed)
     * @param body    a request body that has sent nothing for this long is given up (408, closed)
     */
    record Timeouts(@DefaultValue("60s") Duration idle, @DefaultValue("10s") Duration headers,
                    @DefaultValue("30s") Duration body) {
    }
}
