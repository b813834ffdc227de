package dev.caravan.frontdoor;

import dev.caravan.metrics.GatewayMetrics;
import dev.caravan.openai.OpenAiError;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;
import org.springframework.stereotype.Component;

/**
 * A decoder on the front door's Netty pipeline, after {@link ConnectionGuard}, that bounds the memory request
 * bodies take while they arrive, before Netty's aggregator buffers them:
 * <ul>
 * <li>a body over {@code caravan.max-body-size} gets 413 {@code request_too_large}: at once when its
 * Content-Length says so, else (chunked) as soon as the bytes received pass the limit;</li>
 * <li>the bodies being received on all connections together hold at most {@code caravan.max-body-buffer}: the
 * request whose bytes would pass it gets 503 {@code server_busy} (with Retry-After) and its bytes are dropped,
 * so many large bodies at once cannot take the gateway's memory.</li>
 * </ul>
 * A body counts from its first byte until it is complete (then it is a request being processed) or refused.
 * Netty's own aggregator would answer 413 with an empty body; its cap stays out of the way.
 */
@Component("bodySizeLimit")
class BodySizeLimit extends DefaultChannelHandlerFactory {

    private final long limit;
    private final long bufferLimit;
    private final AtomicLong buffered = new AtomicLong();

    BodySizeLimit(FrontDoorProperties properties, GatewayMetrics metrics) {
        this.limit = properties.maxBodySize().toBytes();
        this.bufferLimit = properties.bodyBufferBytes();
        metrics.gauge("caravan.request.bodies.buffered", "Bytes of request bodies being received, all connections "
                + "together (at most caravan.max-body-buffer)", buffered, AtomicLong::get);
    }

    @Override
    public ChannelHandler newChannelHandler() {
        return new BodyCounter();
    }

    /** Bytes of request bodies being received now. */
    long buffered() {
        return buffered.get();
    }

    private final class BodyCounter extends ChannelInboundHandlerAdapter {
        private long received;
        /** This connection's share of {@link #buffered}. */
        private long held;
        private boolean refused;
        /** The request's path: an Anthropic client gets its errors in its protocol's shape. */
        private String path;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpRequest request) {
                received = 0;
                path = ConnectionGuard.path(request.uri());
                if (HttpUtil.getContentLength(request, -1L) > limit) {
                    tooLarge(ctx, msg);
                    return;
                }
            }
            if (msg instanceof HttpContent content) {
                int bytes = content.content().readableBytes();
                received += bytes;
                if (received > limit) {
                    tooLarge(ctx, msg);
                    return;
                }
                held += bytes;
                if (buffered.addAndGet(bytes) > bufferLimit) {
                    refuse(ctx, msg, HttpResponseStatus.SERVICE_UNAVAILABLE, new OpenAiError(503, "The gateway "
                            + "is receiving as many request bodies as it buffers at once; try again shortly.",
                            "server_error", null, "server_busy"));
                    return;
                }
                if (msg instanceof LastHttpContent) {
                    release();
                }
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            release();
            super.channelInactive(ctx);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            release();
        }

        private void tooLarge(ChannelHandlerContext ctx, Object msg) {
            refuse(ctx, msg, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, new OpenAiError(413, "The request body "
                    + "exceeds the gateway's limit of " + limit + " bytes.", "invalid_request_error", null,
                    "request_too_large"));
        }

        private void refuse(ChannelHandlerContext ctx, Object msg, HttpResponseStatus status, OpenAiError error) {
            refused = true;
            ReferenceCountUtil.release(msg);
            release();
            ctx.channel().attr(ConnectionGuard.GUARD).get().refuseInTurn(status, error, path);
        }

        private void release() {
            buffered.addAndGet(-held);
            held = 0;
        }
    }
}
