package dev.caravan.frontdoor;

import dev.caravan.openai.EventStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;
import org.springframework.stereotype.Component;

/**
 * An encoder on the front door's Netty pipeline that writes a {@link StreamingResponse}: the head, then
 * each piece of the stream as a chunk, flushed at once, the next only when the last is written. The
 * original write completes when the stream ends; a client that hangs up cancels the stream, and with it
 * the provider's.
 */
@Component("sseWriter")
class SseWriter extends DefaultChannelHandlerFactory {

    @Override
    public ChannelHandler newChannelHandler() {
        return new Writer();
    }

    private static final class Writer extends ChannelDuplexHandler {
        private volatile EventStream current;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!(msg instanceof StreamingResponse response)) {
                ctx.write(msg, promise);
                return;
            }
            EventStream stream = response.stream();
            current = stream;
            // a client already gone never reaches channelInactive from here: cancel on the failed write
            ctx.writeAndFlush(response).addListener(f -> {
                if (!f.isSuccess()) {
                    stream.cancel();
                }
            });
            stream.attach(new EventStream.Sink() {
                @Override
                public void write(byte[] bytes, Runnable written) {
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes))).addListener(f -> {
                        if (f.isSuccess()) {
                            written.run();
                        } else {
                            stream.cancel();
                        }
                    });
                }

                @Override
                public void close() {
                    current = null;
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, promise);
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            EventStream stream = current;
            if (stream != null) {
                stream.cancel();
            }
            super.channelInactive(ctx);
        }
    }
}
