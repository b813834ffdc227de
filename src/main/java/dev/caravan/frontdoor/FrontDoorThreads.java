package dev.caravan.frontdoor;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The front door's Netty I/O threads, sized by {@code caravan.io-threads}. Camel's default is two per core;
 * the routes run on these threads and every other one only adds hand-offs (measured in bench/: one
 * thread on two cores took a third less CPU per request than four).
 */
@Configuration(proxyBeanMethods = false)
class FrontDoorThreads {

    @Bean(destroyMethod = "shutdownGracefully")
    EventLoopGroup frontDoorLoops(FrontDoorProperties properties) {
        return new NioEventLoopGroup(properties.ioThreadCount(), new DefaultThreadFactory("caravan-io", true));
    }
}
