package dev.caravan.frontdoor;

import dev.caravan.edge.AnthropicError;
import dev.caravan.openai.OpenAiError;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;
import org.springframework.stereotype.Component;

/**
 * A decoder on the front door's Netty pipeline that refuses bodies over {@code caravan.max-body-size} with
 * an OpenAI 413 before they are buffered (Netty's own aggregator would answer 413 with an empty body).
 * Declared Content-Length is checked up front; chunked bodies as they arrive.
 */
@Component("bodySizeLimit")
class BodySizeLimit extends DefaultChannelHandlerFactory {

    private static final long LINGER_SECONDS = 2;

    private final long limit;

    BodySizeLimit(FrontDoorProperties properties) {
        this.limit = properties.maxBodySize().toBytes();
    }

    @Override
    public ChannelHandler newChannelHandler() {
        return new Guard();
    }

    private final class Guard extends ChannelInboundHandlerAdapter {
        private long received;
        private boolean refused;
        /** The request's path: an Anthropic client gets the 413 in its protocol's shape. */
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
                    refuse(ctx, msg);
                    return;
                }
            }
            if (msg instanceof HttpContent content) {
                received += content.content().readableBytes();
                if (received > limit) {
                    refuse(ctx, msg);
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }

        private void refuse(ChannelHandlerContext ctx, Object msg) {
            refused = true;
            ReferenceCountUtil.release(msg);
            OpenAiError error = new OpenAiError(413, "The request body exceeds the gateway's limit of " + limit
                    + " bytes.", "invalid_request_error", null, "request_too_large");
            byte[] body = AnthropicError.isAnthropicPath(path) ? AnthropicError.body(error) : error.toJson();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // from the channel, not ctx: the response encoder sits after this decoder in the pipeline.
            // Then a lingering close: closing with the client's body still unread would send a reset that
            // can destroy the 413 before the client reads it; so stop writing, drain, close a bit later.
            ctx.channel().writeAndFlush(response).addListener(written -> {
                if (ctx.channel() instanceof SocketChannel socket) {
                    socket.shutdownOutput();
                }
                ctx.executor().schedule(() -> ctx.channel().close(), LINGER_SECONDS, TimeUnit.SECONDS);
            });
        }
    }
}
