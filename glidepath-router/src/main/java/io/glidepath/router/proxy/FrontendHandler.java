package io.glidepath.router.proxy;

import io.glidepath.spec.Durations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection. Reads are explicit (auto-read is off, and this handler takes one message per
 * read it asks for: messages decoded ahead, such as pipelined requests, wait in {@link #held}), so a
 * client's next request is read only when the current one is done, and its body only as fast as the
 * backend takes it. Each request becomes an {@link Exchange}.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    private final ProxyContext px;
    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private boolean discardingBody;
    private boolean closeWhenIdle;
    /** How long a connection idle when the router begins to stop may still send one more request. */
    static final Duration IDLE_GRACE_ON_STOP = Duration.ofSeconds(2);
    private Channel tunnel;
    private boolean awaitingMessage;
    /**
     * Messages the decoder gave before this handler asked for them (the rest of a request decoded in the
     * same read, pipelined requests), handed over one per {@link #readMore()}: what Netty's
     * FlowControlHandler did, without a handler of its own in the pipeline.
     */
    private ArrayDeque<Object> held;
    private boolean handingOver;
    /** The client's address as X-Forwarded-For and the access log write it; made on first use. */
    private AsciiString clientIp;
    private boolean clientIpKnown;
    private ChannelPromise quiet;

    private final ClientTimeouts timeouts;

    private final boolean secure;
    private final boolean stream;
    private boolean active;
    private boolean requestEnded;
    /**
     * HTTP/2 only: the body deadline of this stream, armed when the router asks for more of a request
     * body (time waiting on the backend does not count), as {@link ClientTimeouts} does on HTTP/1.
     */
    private io.netty.util.concurrent.ScheduledFuture<?> streamBodyTimer;

    /**
     * @param secure the connection came through the HTTPS listener
     * @param stream this is one HTTP/2 stream (a child channel carrying one request), not an HTTP/1
     *               connection: no next request, no deadlines of its own, the connection's are HTTP/2's
     */
    FrontendHandler(ProxyContext px, boolean secure, boolean stream) {
        this.px = px;
        this.secure = secure;
        this.stream = stream;
        this.timeouts = new ClientTimeouts(px.settings, this::headTimedOut, this::bodyTimedOut, this::idleTimedOut);
    }

    boolean secure() {
        return secure;
    }

    /** An HTTP/2 stream: one request, answered in frames (interim responses are not relayed). */
    boolean isStream() {
        return stream;
    }

    /** The connection's deadlines, to be placed first in its pipeline (after TLS). */
    ClientTimeouts timeouts() {
        return timeouts;
    }

    /**
     * The promise for writes nobody waits on (a response relayed), one per connection rather than one per
     * write: a write that fails closes the connection, which the exchange learns from {@link #channelInactive}.
     */
    ChannelPromise quiet() {
        return quiet;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.quiet = new VoidChannelPromise(ctx.channel(), false);
        if (ctx.channel().isActive()) {
            activate(); // added once the protocol was known: the channel was active before this handler was there
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        activate();
        ctx.fireChannelActive();
    }

    private void activate() {
        if (!active) {
            active = true;
            readMore();
        }
    }

    /** The client's IP address as text (X-Forwarded-For, the access log), made once per connection; null when the channel has none. */
    AsciiString clientIp() {
        if (!clientIpKnown) {
            clientIpKnown = true;
            clientIp = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? new AsciiString(a.getAddress().getHostAddress()) : null;
        }
        return clientIp;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tunnel == null && (!awaitingMessage || (held != null && !held.isEmpty()))) {
            hold(msg); // not asked for yet, or behind messages that were not
            return;
        }
        take(msg);
    }

    private void hold(Object msg) {
        if (held == null) {
            held = new ArrayDeque<>(4);
        }
        held.add(msg);
        if (awaitingMessage) {
            handOverHeld();
        }
    }

    /**
     * Hands over held messages while this handler asks for them, in a loop rather than a recursion (a
     * connection's pipelined requests answered by the router itself would otherwise nest one call deep per
     * request); when none is left and one is still wanted, reads from the connection.
     */
    private void handOverHeld() {
        if (handingOver) {
            return; // the loop below takes it
        }
        handingOver = true;
        try {
            Object next;
            while (awaitingMessage && held != null && (next = held.poll()) != null) {
                take(next);
            }
        } finally {
            handingOver = false;
        }
        if (awaitingMessage) {
            readFromClient();
        }
    }

    private void releaseHeld() {
        if (held != null) {
            Object m;
            while ((m = held.poll()) != null) {
                ReferenceCountUtil.release(m);
            }
        }
    }

    /** One message this handler asked for. */
    private void take(Object msg) {
        awaitingMessage = false;
        cancelStreamBodyTimer();
        if (tunnel != null) {
            relayToBackend(msg);
            return;
        }
        if (msg instanceof HttpRequest req) {
            if (exchange != null) {
                // cannot happen while reads are explicit; refuse to mix two requests
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (req.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                rejectMalformed(req, req.decoderResult().cause());
                return;
            }
            if (msg instanceof FullHttpRequest full) {
                timeouts.headDone(false);
                // an HTTP/2 request whose HEADERS ended the stream (HTTP/1's codec never makes one): the exchange keeps
                // the head, which it may send again on a retry, and is given the (empty) end of the body apart
                HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
                head.setDecoderResult(full.decoderResult());
                ByteBuf body = full.content().retain();
                full.release();
                exchange = new Exchange(px, this, ctx, head);
                requestEnded = true;
                exchange.start();
                if (exchange != null) {
                    exchange.onRequestContent(new DefaultLastHttpContent(body));
                } else {
                    body.release();
                }
                return;
            }
            exchange = new Exchange(px, this, ctx, req);
            timeouts.headDone(exchange.hasBody());
            requestEnded = false;
            exchange.start();
            return;
        }
        if (msg instanceof HttpContent c) {
            if (c instanceof LastHttpContent) {
                timeouts.bodyDone();
                requestEnded = true;
            }
            if (exchange != null && !discardingBody) {
                exchange.onRequestContent(c);
                return;
            }
            boolean last = c instanceof LastHttpContent;
            boolean failed = c.decoderResult().isFailure();
            c.release();
            if (discardingBody && last) {
                discardingBody = false;
                if (failed) {
                    ctx.close();
                } else {
                    readNextRequest();
                }
            } else if (discardingBody) {
                readMore();
            }
            return;
        }
        ReferenceCountUtil.release(msg);
    }

    /** Answers a request the decoder refused (smuggling, oversized head) and closes: its framing is unknown. */
    private void rejectMalformed(HttpRequest req, Throwable cause) {
        px.badRequests.increment();
        HttpResponseStatus status;
        String message;
        if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            message = "request headers are larger than " + StrictRequestDecoder.MAX_HEADER_BYTES + " bytes";
        } else if (cause instanceof TooLongHttpLineException || cause instanceof TooLongFrameException) {
            status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
            message = "request line is longer than " + StrictRequestDecoder.MAX_LINE_BYTES + " bytes";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            message = "malformed request: " + cause.getMessage();
        }
        var response = LocalResponses.of(ctx.alloc(), status, message, false);
        px.logRefused(ctx.channel(), req.method().name(), req.uri(), req.protocolVersion().text(), status.code(), response.content().readableBytes());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** The exchange answered without proxying; what is left of the request body is read and dropped. */
    void answeredLocally(boolean requestComplete, boolean keepAlive) {
        exchange = null;
        if (stream) {
            streamDone();
            return;
        }
        if (!keepAlive) {
            closeAfterFlush();
        } else if (requestComplete) {
            readNextRequest();
        } else {
            discardingBody = true;
            readMore();
        }
    }

    /** The exchange is over; read the next request or close. */
    void exchangeDone(boolean keepAlive) {
        exchange = null;
        if (stream) {
            streamDone();
            return;
        }
        if (keepAlive) {
            readNextRequest(); // the client was told it may send another request: even when stopping, it gets the grace to
        } else {
            closeAfterFlush();
        }
    }

    /**
     * Reads the connection's next request. When the router is stopping, a response that went out before
     * it began promised the client keep-alive: closing at once would race the request the client may be
     * sending right then, so the connection waits the idle grace (its request is answered with
     * Connection: close) like any connection idle when the stop began.
     */
    private void readNextRequest() {
        timeouts.awaitingNextRequest();
        readMore();
        if (closeWhenIdle || px.stopping()) {
            closeIfStillIdleAfterGrace();
        }
    }

    /**
     * A request head did not come whole in time: 408 and close. A connection that sent nothing at all is
     * closed without an answer, as HAProxy's http-ignore-probes does: browsers open connections ahead of
     * use, and a 408 they did not ask for can show up as an error.
     */
    private void headTimedOut() {
        if (exchange != null || tunnel != null) {
            return;
        }
        px.clientTimeouts.increment();
        if (!timeouts.headBegun()) {
            ctx.close();
            return;
        }
        var response = LocalResponses.of(ctx.alloc(), HttpResponseStatus.REQUEST_TIMEOUT, "the request head did not arrive whole within "
                + Durations.format(px.settings.headTimeout()), false);
        px.logRefused(ctx.channel(), null, null, null, response.status().code(), response.content().readableBytes());
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** Idle between requests for the idle timeout: closed. */
    private void idleTimedOut() {
        if (exchange == null && tunnel == null) {
            ctx.close();
        }
    }

    /** A request body stalled: the router asked for more and none came in time. */
    private void bodyTimedOut() {
        px.clientTimeouts.increment();
        String why = "the request body stalled: no bytes for " + Durations.format(px.settings.bodyTimeout());
        if (exchange != null) {
            exchange.clientTooSlow(why);
        } else {
            ctx.close(); // the rest of a body the router answered early
        }
    }

    private void closeAfterFlush() {
        if (stream) {
            ctx.close();
            return;
        }
        timeouts.closing(); // a client that does not read the rest is cut at the idle timeout
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The stream's response is out (its last frame ends the stream on our side). A request still
     * sending its body is reset: nothing will read the rest (HTTP/2 lets a server answer early so).
     */
    private void streamDone() {
        if (!requestEnded) {
            ctx.close();
        }
    }

    /**
     * Shutdown: a connection with a response in progress closes after it (sent with Connection: close).
     * An idle one is given {@link #IDLE_GRACE_ON_STOP} to send its next request, which is answered with
     * Connection: close, and is closed only if it stays idle: closing it at once would race a request
     * the client may be sending right then, which it would see fail (most clients do not resend).
     * Runs on this channel's loop.
     */
    void closeWhenIdle() {
        closeWhenIdle = true;
        if (idle()) {
            closeIfStillIdleAfterGrace();
        }
    }

    private void closeIfStillIdleAfterGrace() {
        ctx.executor().schedule(() -> {
            if (idle()) {
                ctx.close();
            }
        }, IDLE_GRACE_ON_STOP.toMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean idle() {
        return exchange == null && tunnel == null && !discardingBody && !timeouts.headBegun();
    }

    boolean closing() {
        return closeWhenIdle || px.stopping();
    }

    // --- after a protocol upgrade: raw bytes both ways ----------------------------------------------

    /** The backend agreed to switch protocols: from now on both connections relay bytes. */
    void becomeTunnel(Channel backend) {
        this.tunnel = backend;
        this.exchange = null;
        timeouts.off();
        releaseHeld(); // HTTP messages decoded behind the upgrade request: not the new protocol's bytes
        ctx.pipeline().remove(FrontendCodec.class); // the bytes it held but did not decode come through as they are
        ctx.channel().config().setAutoRead(true);
    }

    private void relayToBackend(Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        tunnel.write(msg);
        if (!tunnel.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    void relayFromBackend(ByteBuf b) {
        ctx.write(b);
        if (!ctx.channel().isWritable()) {
            tunnel.config().setAutoRead(false);
        }
    }

    void backendWritabilityChanged(boolean writable) {
        ctx.channel().config().setAutoRead(writable);
    }

    void flush() {
        ctx.flush();
    }

    void close() {
        ctx.close();
    }

    /**
     * Asks for the next message: a held one at once, else from the connection. Until it comes, a read
     * cycle that ends without one (the decoder took bytes that made no message yet, such as part of a
     * request head) asks again.
     */
    void readMore() {
        awaitingMessage = true;
        if (held != null && !held.isEmpty()) {
            handOverHeld();
            return;
        }
        readFromClient();
    }

    private void readFromClient() {
        if (stream && exchange != null && !requestEnded && streamBodyTimer == null) {
            streamBodyTimer = ctx.executor().schedule(this::streamBodyTimedOut, px.settings.bodyTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        ctx.read();
    }

    private void streamBodyTimedOut() {
        streamBodyTimer = null;
        if (exchange != null && !requestEnded && ctx.channel().isActive()) {
            bodyTimedOut(); // 408 on the stream when nothing was answered yet, else the stream is reset
        }
    }

    private void cancelStreamBodyTimer() {
        if (streamBodyTimer != null) {
            streamBodyTimer.cancel(false);
            streamBodyTimer = null;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (tunnel != null) {
            tunnel.flush();
        } else if (awaitingMessage && ctx.channel().isActive()) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        if (tunnel != null) {
            tunnel.config().setAutoRead(writable);
        } else if (exchange != null) {
            exchange.clientWritabilityChanged(writable);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelStreamBodyTimer();
        releaseHeld();
        if (exchange != null) {
            Exchange e = exchange;
            exchange = null;
            e.onClientGone();
        }
        if (tunnel != null) {
            tunnel.close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // a reset or broken client connection: nothing to answer, the exchange cleans up on inactive
        log.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
