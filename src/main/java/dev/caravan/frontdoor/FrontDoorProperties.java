package dev.caravan.frontdoor;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The front door ({@code caravan.host} and {@code caravan.port} are read by the route's endpoint URI).
 *
 * @param maxBodySize the largest request body accepted; larger ones get 413
 * @param ioThreads   Netty I/O threads of the front door, where the routes run; default half the cores
 */
@ConfigurationProperties("caravan")
record FrontDoorProperties(@DefaultValue("16MB") DataSize maxBodySize, Integer ioThreads) {

    int ioThreadCount() {
        return ioThreads != null && ioThreads > 0 ? ioThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
}
