package io.glidepath.router.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The deadlines a client gets, first in the pipeline where it sees the bytes as they arrive and
 * the reads the router asks for (reads are explicit: auto-read is off):
 * <ul>
 *   <li>a request head must arrive whole within {@code headTimeout} of its first byte, or of the
 *       connection's start for its first request (a slowloris trickling header lines never gets a
 *       request through);</li>
 *   <li>while a request body is read, a read the router asked for must bring bytes within
 *       {@code bodyTimeout}; while the router does not ask (the backend is not taking the body as fast),
 *       no clock runs against the client;</li>
 *   <li>between requests, the connection may stay idle for {@code clientIdle}, then it is closed (a
 *       response still being written out to the client counts as activity); a connection closing after
 *       its last response gets as long to take it.</li>
 * </ul>
 * On a head or body deadline the frontend answers 408 (when nothing was answered yet) and closes.
 *
 * <p>One deadline runs at a time, and moving it costs no timer: a request moves it four times (head
 * begun, head done, body done, idle), so it is a field that one check, scheduled at most
 * {@link #checkNanos} ahead and never later than the deadline, compares with the clock and schedules
 * again. Netty's IdleStateHandler, which this replaces, added a listener to every write.
 */
final class ClientTimeouts extends ChannelDuplexHandler {
    /** Where the connection is in its current request. */
    enum Phase {
        /** Between requests, on the idle deadline. */
        IDLE,
        /** Reading a request head, on the head deadline. */
        HEAD,
        /** Reading a request body, each asked-for read on the body deadline. */
        BODY,
        /** The request is in; the response is the backend's business. */
        REQUEST_IN
    }

    private static final long NONE = Long.MAX_VALUE;

    private final long headNanos;
    private final long bodyNanos;
    private final long idleNanos;
    /** The shortest of the three: a check scheduled this far ahead is never later than any deadline set after it. */
    private final long checkNanos;
    private final Runnable onHeadTimeout;
    private final Runnable onBodyTimeout;
    private final Runnable onIdleTimeout;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.HEAD;
    private boolean headBegun;
    /** When the running deadline expires (System.nanoTime()), or {@link #NONE}. */
    private long deadline = NONE;
    /** What the running deadline does when it expires. */
    private Runnable onDeadline;
    /** Bytes waiting to go out to the client when the idle deadline was set: while they go, the connection is not idle. */
    private long pendingOut;
    private boolean checkScheduled;
    private final Runnable checkTask = this::check;

    ClientTimeouts(ProxySettings settings, Runnable onHeadTimeout, Runnable onBodyTimeout, Runnable onIdleTimeout) {
        this.headNanos = settings.headTimeout().toNanos();
        this.bodyNanos = settings.bodyTimeout().toNanos();
        this.idleNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), settings.clientIdle().toNanos());
        this.checkNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(idleNanos, Math.min(headNanos, bodyNanos)));
        this.onHeadTimeout = onHeadTimeout;
        this.onBodyTimeout = onBodyTimeout;
        this.onIdleTimeout = onIdleTimeout;
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
        if (phase == Phase.BODY && deadline == NONE) {
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

    /** The connection waits for its next request: the idle deadline runs until its first byte. */
    void awaitingNextRequest() {
        headBegun = false;
        phase = Phase.IDLE;
        pendingOut = pendingOut();
        arm(idleNanos, onIdleTimeout);
    }

    /**
     * The connection closes once its last response is out: the idle deadline bounds how long that may
     * take, so a client that stops reading does not hold the connection (IdleStateHandler did this before).
     */
    void closing() {
        headBegun = false;
        phase = Phase.REQUEST_IN;
        pendingOut = pendingOut();
        arm(idleNanos, onIdleTimeout);
    }

    /** No more deadlines: the connection became a tunnel. */
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
        long now = System.nanoTime();
        deadline = now + nanos;
        onDeadline = action;
        if (!checkScheduled) {
            schedule(checkNanos);
        }
    }

    private void cancel() {
        deadline = NONE;
        onDeadline = null;
    }

    private void schedule(long nanos) {
        checkScheduled = true;
        ctx.executor().schedule(checkTask, nanos, TimeUnit.NANOSECONDS);
    }

    private void check() {
        checkScheduled = false;
        if (deadline == NONE || !ctx.channel().isActive()) {
            return; // the next deadline set schedules a check again
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(Math.min(left, checkNanos));
            return;
        }
        if (onDeadline == onIdleTimeout) {
            long pending = pendingOut();
            if (pending > 0 && pending != pendingOut) {
                pendingOut = pending; // the last response is still going out, and moving: not idle yet
                arm(idleNanos, onIdleTimeout);
                return;
            }
        }
        Runnable action = onDeadline;
        cancel();
        action.run();
    }

    private long pendingOut() {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }
}
