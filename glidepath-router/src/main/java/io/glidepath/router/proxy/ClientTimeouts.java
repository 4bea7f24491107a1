package io.glidepath.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines a slow client gets, first in the pipeline where it sees the bytes as they arrive and
 * the reads the router asks for (reads are explicit: auto-read is off):
 * <ul>
 *   <li>a request head must arrive whole within {@code headTimeout} of its first byte, or of the
 *       connection's start for its first request (a slowloris trickling header lines never gets a
 *       request through);</li>
 *   <li>while a request body is read, a read the router asked for must bring bytes within
 *       {@code bodyTimeout}; while the router does not ask (the backend is not taking the body as fast),
 *       no clock runs against the client.</li>
 * </ul>
 * Between requests the connection's idle timeout applies instead ({@link FrontendHandler}). On a
 * deadline the frontend answers 408 (when nothing was answered yet) and closes.
 */
final class ClientTimeouts extends ChannelDuplexHandler {
    /** Where the connection is in its current request. */
    enum Phase {
        /** Between requests: the idle timeout's business. */
        IDLE,
        /** Reading a request head, on the head deadline. */
        HEAD,
        /** Reading a request body, each asked-for read on the body deadline. */
        BODY,
        /** The request is in; the response is the backend's business. */
        REQUEST_IN
    }

    private final long headNanos;
    private final long bodyNanos;
    private final Runnable onHeadTimeout;
    private final Runnable onBodyTimeout;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.HEAD;
    private boolean headBegun;
    private ScheduledFuture<?> timer;

    ClientTimeouts(ProxySettings settings, Runnable onHeadTimeout, Runnable onBodyTimeout) {
        this.headNanos = settings.headTimeout().toNanos();
        this.bodyNanos = settings.bodyTimeout().toNanos();
        this.onHeadTimeout = onHeadTimeout;
        this.onBodyTimeout = onBodyTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            arm(headNanos, onHeadTimeout); // added once the protocol was known (TLS done, or the first bytes not HTTP/2's)
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(headNanos, onHeadTimeout); // the first request: from the connection's start
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b && b.isReadable()) {
            if (phase == Phase.IDLE) {
                phase = Phase.HEAD;
                arm(headNanos, onHeadTimeout);
            }
            if (phase == Phase.HEAD) {
                headBegun = true;
            } else if (phase == Phase.BODY) {
                cancel();
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (phase == Phase.BODY && timer == null) {
            arm(bodyNanos, onBodyTimeout);
        }
        ctx.read();
    }

    /** True once a byte of the request head being read arrived. */
    boolean headBegun() {
        return headBegun;
    }

    /** A request head came through whole; its body (if any) is read next. */
    void headDone(boolean bodyFollows) {
        cancel();
        headBegun = false;
        phase = bodyFollows ? Phase.BODY : Phase.REQUEST_IN;
    }

    /** The request's body came through whole. */
    void bodyDone() {
        cancel();
        phase = Phase.REQUEST_IN;
    }

    /** The connection waits for its next request (the idle timeout runs until its first byte). */
    void awaitingNextRequest() {
        cancel();
        headBegun = false;
        phase = Phase.IDLE;
    }

    /** No more deadlines: the connection became a tunnel, or is closing. */
    void off() {
        cancel();
        phase = Phase.REQUEST_IN;
    }

    Phase phase() {
        return phase;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void arm(long nanos, Runnable action) {
        cancel();
        timer = ctx.executor().schedule(() -> {
            timer = null;
            if (ctx.channel().isActive()) {
                action.run();
            }
        }, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
