package dev.caravan.frontdoor;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The front door's Netty I/O threads, sized by {@code caravan.io-threads}: one per core (Camel's default is two).
 * The routes and the upstream calls run on them, nothing else: with the upstream client on these loops, one per
 * core served 50-100 % more requests a second on two cores than one thread did (bench/).
 */
@Configuration(proxyBeanMethods = false)
class FrontDoorThreads {

    @Bean(destroyMethod = "shutdownGracefully")
    EventLoopGroup frontDoorLoops(FrontDoorProperties properties) {
        return new NioEventLoopGroup(properties.ioThreadCount(), new DefaultThreadFactory("caravan-io", true));
    }
}
