package dev.caravan.frontdoor;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;
import org.springframework.stereotype.Component;

/**
 * An encoder on the front door's Netty pipeline, right before Netty's response encoder, so it sees every answer
 * as HTTP objects, streamed ones included: {@code Connection: close} and HTTP/1.0 are honoured on all of them.
 * An answer to a request that does not keep its connection alive says {@code Connection: close}, and the
 * connection is closed once its last byte is written (a stream: after its last chunk). An HTTP/1.0 client cannot
 * read chunks: a streamed answer goes to it without {@code Transfer-Encoding}, its end marked by the close.
 * It also tells the {@link ConnectionGuard} when an answer is done, so the connection's idle time starts.
 */
@Component("httpSemantics")
class HttpSemantics extends DefaultChannelHandlerFactory {

    @Override
    public ChannelHandler newChannelHandler() {
        return new Writer();
    }

    private static final class Writer extends ChannelOutboundHandlerAdapter {
        /** Whether this handler decided to close the connection after the answer being written. */
        private boolean closeAfter;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            ConnectionGuard.Guard guard = ctx.channel().attr(ConnectionGuard.GUARD).get();
            if (msg instanceof HttpResponse response) {
                if (response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                    // 100 Continue: not the answer
                    ctx.write(msg, promise);
                    return;
                }
                ConnectionGuard.RequestInfo request = guard == null ? null : guard.answerStarted();
                closeAfter = false;
                if (request != null) {
                    boolean closes = response.headers().containsValue(HttpHeaderNames.CONNECTION,
                            HttpHeaderValues.CLOSE, true);
                    boolean close = !request.keepAlive();
                    if (request.http10() && HttpUtil.isTransferEncodingChunked(response)) {
                        // no chunks for HTTP/1.0: a whole answer gets its length, a stream runs until the close
                        HttpUtil.setTransferEncodingChunked(response, false);
                        if (response instanceof FullHttpResponse full) {
                            HttpUtil.setContentLength(response, full.content().readableBytes());
                        } else {
                            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
                            close = true;
                        }
                    }
                    if (close && !closes) {
                        // whoever wrote Connection: close closes (Camel, or a refusal that lingers); else here
                        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                        closeAfter = true;
                    }
                }
            }
            if (msg instanceof LastHttpContent) {
                boolean close = closeAfter;
                closeAfter = false;
                promise = promise.unvoid();
                promise.addListener(written -> {
                    if (close) {
                        ctx.channel().close();
                    } else if (guard != null) {
                        guard.answerDone();
                    }
                });
            }
            ctx.write(msg, promise);
        }
    }
}
