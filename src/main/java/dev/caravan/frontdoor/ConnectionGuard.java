package dev.caravan.frontdoor;

import dev.caravan.edge.AnthropicError;
import dev.caravan.metrics.GatewayMetrics;
import dev.caravan.openai.OpenAiError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The first decoder on the front door's Netty pipeline (right after Netty's request decoder): bounds what a
 * client connection may hold.
 * <ul>
 * <li>At most {@code caravan.max-connections} connections at once: one more gets 503 {@code too_many_connections}
 * at once and is closed; connections already open (requests in flight, streams, probes) are untouched.</li>
 * <li>A connection waiting for its next request is closed after {@code caravan.timeouts.idle}; a request's line
 * and headers must be in {@code caravan.timeouts.headers} after its first byte, and its body may pause for
 * {@code caravan.timeouts.body} at most (else 408 {@code request_timeout}, closed). While a request is processed
 * or its answer streamed, no socket timeout runs: routes and streams have their own.</li>
 * <li>What Netty's decoder refused (headers or request line too long, a bad Content-Length, a bad chunk) gets an
 * OpenAI error (Anthropic's on {@code /v1/messages}) with its status (431, 414, 400), instead of Camel's empty 400;
 * so do what Camel's handler would refuse with an empty answer or none (HTTP/1.1 without Host, TRACE, a path
 * with a malformed escape). An HTTP/1.0 request without Host is served.</li>
 * <li>Expected failures of a client connection (reset, half-sent request) close it with one DEBUG line, no
 * stack trace.</li>
 * </ul>
 * A second handler of the guard sits before Netty's decoder and sees the raw bytes (when a request starts).
 * {@link HttpSemantics} tells it when an answer is written.
 */
@Component("connectionGuard")
class ConnectionGuard extends DefaultChannelHandlerFactory {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    static final AttributeKey<Guard> GUARD = AttributeKey.valueOf("caravan.connectionGuard");
    /** Camel's names for Netty's request decoder and for its own handler in the consumer's pipeline. */
    private static final String NETTY_DECODER = "decoder";
    private static final String CAMEL_HANDLER = "handler";
    private static final long LINGER_MILLIS = 1_000;
    /** Refused connections waiting to close: beyond these, a refused connection is closed without an answer. */
    private static final int MAX_LINGERING = 1_024;
    private static final long NONE = Long.MAX_VALUE;

    private final long idleNanos;
    private final long headersNanos;
    private final long bodyNanos;
    private final String idleText;
    private final String headersText;
    private final String bodyText;
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<Guard> guards = ConcurrentHashMap.newKeySet();
    private final AtomicInteger lingering = new AtomicInteger();
    private final AtomicInteger refusedSinceWarning = new AtomicInteger();
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - TimeUnit.MINUTES.toNanos(2));

    ConnectionGuard(FrontDoorProperties properties, GatewayMetrics metrics) {
        FrontDoorProperties.Timeouts timeouts = properties.timeouts();
        this.idleNanos = timeouts.idle().toNanos();
        this.headersNanos = timeouts.headers().toNanos();
        this.bodyNanos = timeouts.body().toNanos();
        this.idleText = text(timeouts.idle());
        this.headersText = text(timeouts.headers());
        this.bodyText = text(timeouts.body());
        this.maxConnections = properties.maxConnectionCount();
        metrics.gauge("caravan.client.connections", "Client connections open (at most caravan.max-connections)",
                open, AtomicInteger::get);
    }

    private static String text(java.time.Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    @Override
    public ChannelHandler newChannelHandler() {
        return new Guard();
    }

    /**
     * Shutdown begins: connections waiting for their next request are closed now, so their clients reconnect
     * elsewhere; the others are closed after the answer they are being given. Only the connections open now: one
     * accepted while this runs (its request not read yet) gets its 503 instead of being closed unanswered.
     */
    void drain() {
        List.copyOf(guards).forEach(guard -> guard.ctx.executor().execute(guard::drain));
    }

    /** Client connections open now (refused ones not counted). */
    int openConnections() {
        return open.get();
    }

    /** The path of a request target, without decoding it (a malformed escape must not throw here). */
    static String path(String uri) {
        if (uri == null) {
            return null;
        }
        int end = uri.length();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        return uri.substring(0, end);
    }

    /** A request as its answer needs it: whether the connection may stay open after, and its protocol. */
    record RequestInfo(boolean keepAlive, boolean http10, String path) {
    }

    /** One client connection's guard; {@link HttpSemantics} finds it on the channel. */
    final class Guard extends ChannelInboundHandlerAdapter {
        private ChannelHandlerContext ctx;
        private boolean admitted;
        private boolean closing;
        /** A refusal waiting for the answers owed before it. */
        private Runnable refusalInTurn;
        /** The gateway shuts down: no request after the one being answered. */
        private boolean draining;
        /** Requests whose answer has not started, oldest first (more than one when a client pipelines). */
        private final ArrayDeque<RequestInfo> requests = new ArrayDeque<>(2);
        /** Requests complete and not yet answered to their end. */
        private int awaiting;
        private boolean inBody;
        private String bodyPath;
        private long idleSince;
        private long headersStarted;
        private long lastBodyByte;
        private ScheduledFuture<?> timer;
        private long timerAt = NONE;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            ctx.channel().attr(GUARD).set(this);
            ChannelHandler bytes = new ByteWatcher(this);
            if (ctx.pipeline().get(NETTY_DECODER) != null) {
                ctx.pipeline().addBefore(NETTY_DECODER, "caravan-bytes", bytes);
            } else {
                ctx.pipeline().addFirst("caravan-bytes", bytes);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            // the pipeline is complete now: catch what the handlers after this one raise before Camel's handler
            // logs it with its stack trace (the aggregator's "closed while still aggregating" on a half-sent body)
            if (ctx.pipeline().get(CAMEL_HANDLER) != null) {
                ctx.pipeline().addBefore(CAMEL_HANDLER, "caravan-errors", new ErrorSink(this));
            }
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet();
                warnRefused();
                refuse(HttpResponseStatus.SERVICE_UNAVAILABLE, new OpenAiError(503, "The gateway has "
                        + maxConnections + " connections open, its limit; try again shortly.", "server_error",
                        null, "too_many_connections"), null);
            } else {
                admitted = true;
                guards.add(this);
                idleSince = System.nanoTime();
                arm();
            }
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (admitted) {
                admitted = false;
                open.decrementAndGet();
                guards.remove(this);
            }
            closing = true;
            cancelTimer();
            super.channelInactive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closing) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof DecoderResultProvider decoded && decoded.decoderResult().isFailure()) {
                malformed(msg, decoded.decoderResult());
                return;
            }
            if (msg instanceof HttpRequest request) {
                String path = path(request.uri());
                if (refusedAtTheDoor(request, path)) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                requests.add(new RequestInfo(HttpUtil.isKeepAlive(request),
                        request.protocolVersion().equals(HttpVersion.HTTP_1_0), path));
                inBody = true;
                bodyPath = path;
                headersStarted = 0;
                lastBodyByte = System.nanoTime();
                arm();
            }
            if (msg instanceof LastHttpContent) {
                inBody = false;
                awaiting++;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(cause);
        }

        /** A reset, a broken or half-sent request is the client's doing: one line, no stack trace. */
        void failed(Throwable cause) {
            LOG.debug("Closing client connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
            closing = true;
            cancelTimer();
            ctx.channel().close();
        }

        /**
         * Camel's handler answers a request without Host, and TRACE, with an empty text/plain error, and closes the
         * connection without an answer on a path with a malformed escape: these get an OpenAI error here. An
         * HTTP/1.0 client need not send Host: it gets one, so Camel serves it.
         */
        private boolean refusedAtTheDoor(HttpRequest request, String path) {
            if (!request.headers().contains(HttpHeaderNames.HOST)) {
                if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                    request.headers().set(HttpHeaderNames.HOST, "localhost");
                } else {
                    refuseInTurn(HttpResponseStatus.BAD_REQUEST, new OpenAiError(400, "An HTTP/1.1 request needs a Host "
                            + "header.", "invalid_request_error", null, "invalid_http_request"), path);
                    return true;
                }
            }
            if (request.uri().indexOf('%') >= 0) {
                try {
                    new QueryStringDecoder(request.uri()).path();
                } catch (IllegalArgumentException malformed) {
                    refuseInTurn(HttpResponseStatus.BAD_REQUEST, new OpenAiError(400, "The request path has a malformed "
                            + "percent-escape.", "invalid_request_error", null, "invalid_http_request"), path);
                    return true;
                }
            }
            if (HttpMethod.TRACE.equals(request.method())) {
                refuseInTurn(HttpResponseStatus.METHOD_NOT_ALLOWED, new OpenAiError(405, "TRACE is not allowed.",
                        "invalid_request_error", null, "method_not_allowed"), path);
                return true;
            }
            return false;
        }

        /** Raw bytes arrived (before Netty's decoder): a request starts, or its body moves on. */
        void bytesRead() {
            long now = System.nanoTime();
            if (inBody) {
                lastBodyByte = now;
            } else if (headersStarted == 0) {
                headersStarted = now;
                arm();
            }
        }

        boolean closing() {
            return closing;
        }

        /** An answer's head is being written: the request it answers, {@code null} if none is waiting. */
        RequestInfo answerStarted() {
            RequestInfo request = requests.poll();
            return request != null && draining ? new RequestInfo(false, request.http10(), request.path()) : request;
        }

        private void drain() {
            draining = true;
            if (!closing && !inBody && headersStarted == 0 && awaiting == 0 && requests.isEmpty()) {
                closing = true;
                cancelTimer();
                ctx.channel().close();
            }
        }

        /** An answer was written to its end: the connection waits for its next request. */
        void answerDone() {
            awaiting = Math.max(0, awaiting - 1);
            if (refusalInTurn != null) {
                if (awaiting == 0) {
                    Runnable refusal = refusalInTurn;
                    refusalInTurn = null;
                    refusal.run();
                }
                return;
            }
            idleSince = System.nanoTime();
            arm();
        }

        private void malformed(Object msg, DecoderResult result) {
            Throwable cause = result.cause();
            String uri = msg instanceof HttpRequest request ? request.uri() : null;
            ReferenceCountUtil.release(msg);
            if (cause instanceof PrematureChannelClosureException || !ctx.channel().isActive()) {
                LOG.debug("Client connection {} closed during a request: {}", ctx.channel().remoteAddress(),
                        cause.getMessage());
                closing = true;
                return;
            }
            LOG.debug("Refusing a request Netty could not decode from {}: {}", ctx.channel().remoteAddress(),
                    cause.toString());
            String path = uri != null ? path(uri) : bodyPath;
            if (cause instanceof TooLongHttpHeaderException) {
                refuseInTurn(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, new OpenAiError(431,
                        "The request's headers are larger than the gateway accepts.", "invalid_request_error",
                        null, "request_header_fields_too_large"), path);
            } else if (cause instanceof TooLongHttpLineException || cause instanceof TooLongFrameException
                    && uri == null) {
                refuseInTurn(HttpResponseStatus.REQUEST_URI_TOO_LONG, new OpenAiError(414,
                        "The request line (its URI) is longer than the gateway accepts.", "invalid_request_error",
                        null, "uri_too_long"), null);
            } else {
                refuseInTurn(HttpResponseStatus.BAD_REQUEST, new OpenAiError(400, "The request is not valid HTTP ("
                        + reason(cause) + ").", "invalid_request_error", null, "invalid_http_request"), path);
            }
        }

        /**
         * Refuses after the answers still owed to earlier requests on the connection (pipelined behind a stream,
         * say), never in the middle of one; reads nothing more meanwhile.
         */
        void refuseInTurn(HttpResponseStatus status, OpenAiError error, String path) {
            if (awaiting == 0) {
                refuse(status, error, path);
                return;
            }
            closing = true;
            cancelTimer();
            refusalInTurn = () -> refuse(status, error, path);
        }

        /** Answers the error, stops reading, and closes the connection a moment later (lingering close). */
        private void refuse(HttpResponseStatus status, OpenAiError error, String path) {
            closing = true;
            cancelTimer();
            Channel channel = ctx.channel();
            if (lingering.incrementAndGet() > MAX_LINGERING) {
                lingering.decrementAndGet();
                channel.close();
                return;
            }
            channel.closeFuture().addListener(closed -> lingering.decrementAndGet());
            boolean anthropic = AnthropicError.isAnthropicPath(path);
            byte[] body = anthropic ? AnthropicError.body(error) : error.toJson();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            if (status.code() == 503) {
                response.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
            }
            // from the channel: the response encoder sits after this decoder. Closing with the client's bytes
            // unread would reset the connection, which can destroy the answer before the client reads it: stop
            // writing, drop what still arrives, close a moment later (or when the client does)
            channel.writeAndFlush(response).addListener(written -> {
                if (written.isSuccess() && channel instanceof SocketChannel socket) {
                    socket.shutdownOutput();
                    channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
                } else {
                    channel.close();
                }
            });
        }

        private void timedOut() {
            if (awaiting > 0) {
                return;
            }
            if (inBody) {
                LOG.debug("Request body from {} stalled for {}: closing", ctx.channel().remoteAddress(), bodyText);
                refuse(HttpResponseStatus.REQUEST_TIMEOUT, new OpenAiError(408, "The request body stalled: "
                        + "nothing arrived for " + bodyText + ".", "invalid_request_error", null,
                        "request_timeout"), bodyPath);
            } else if (headersStarted != 0) {
                LOG.debug("Request headers from {} not complete after {}: closing", ctx.channel().remoteAddress(),
                        headersText);
                refuse(HttpResponseStatus.REQUEST_TIMEOUT, new OpenAiError(408, "The request's headers did not "
                        + "arrive within " + headersText + ".", "invalid_request_error", null, "request_timeout"),
                        null);
            } else {
                LOG.debug("Client connection {} idle for {}: closing", ctx.channel().remoteAddress(), idleText);
                closing = true;
                ctx.channel().close();
            }
        }

        /** When the connection times out in its present state; {@link #NONE} while a request is processed. */
        private long deadline() {
            if (closing || awaiting > 0) {
                return NONE;
            }
            if (inBody) {
                return lastBodyByte + bodyNanos;
            }
            if (headersStarted != 0) {
                return headersStarted + headersNanos;
            }
            return idleSince + idleNanos;
        }

        /** Makes sure a check runs by the present deadline; a later check re-arms itself if bytes moved it. */
        private void arm() {
            long deadline = deadline();
            if (deadline == NONE || timer != null && timerAt - deadline <= 0) {
                return;
            }
            cancelTimer();
            timerAt = deadline;
            timer = ctx.executor().schedule(this::check, Math.max(0, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
        }

        private void check() {
            timer = null;
            timerAt = NONE;
            long deadline = deadline();
            if (deadline == NONE || !ctx.channel().isActive()) {
                return;
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                timedOut();
            } else {
                arm();
            }
        }

        private void cancelTimer() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
                timerAt = NONE;
            }
        }
    }

    private static String reason(Throwable cause) {
        String message = cause.getMessage();
        if (message == null || message.isBlank()) {
            return cause.getClass().getSimpleName();
        }
        // Netty's messages may quote client input: keep a bounded, printable slice
        String cut = message.length() > 120 ? message.substring(0, 120) + "..." : message;
        return cut.replaceAll("[\\p{Cntrl}]", "?");
    }

    private void warnRefused() {
        int refused = refusedSinceWarning.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last > TimeUnit.MINUTES.toNanos(1) && lastWarning.compareAndSet(last, now)) {
            refusedSinceWarning.addAndGet(-refused);
            LOG.warn("Refusing new client connections: {} are open (caravan.max-connections); {} refused since "
                    + "the last warning", maxConnections, refused);
        }
    }

    /** Right before Camel's handler: takes the failures of the handlers between the guard and it. */
    private static final class ErrorSink extends ChannelInboundHandlerAdapter {
        private final Guard guard;

        ErrorSink(Guard guard) {
            this.guard = guard;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            guard.failed(cause);
        }
    }

    /** Before Netty's decoder: notes when bytes arrive, and drops them once the connection is being closed. */
    private static final class ByteWatcher extends ChannelInboundHandlerAdapter {
        private final Guard guard;

        ByteWatcher(Guard guard) {
            this.guard = guard;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (guard.closing()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
                guard.bytesRead();
            }
            ctx.fireChannelRead(msg);
        }
    }
}
