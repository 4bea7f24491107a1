package io.glidepath.router.proxy;

import io.glidepath.route.BackendProtocol;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.endpoint.EndpointPicker;
import io.glidepath.router.metrics.MetricSeries;
import io.glidepath.router.route.ActiveRoute;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A copy of a user's request sent to the canary while the route mirrors ({@link io.glidepath.route.Mirror}):
 * its answer is counted on the route's shadow series and thrown away. It never touches the user's
 * exchange: it runs beside it on the same event loop, on its own backend connection or stream, and
 * is dropped (and counted) rather than queued when the loop already has {@link #MAX_IN_FLIGHT}
 * copies out, when the canary has no endpoint to take it, or when it cannot connect.
 *
 * <p>A request with a body is copied only when the body is at most {@link #MAX_BODY_BYTES}: the user's
 * exchange hands each piece of its body here as it goes to stable ({@link #offer}), the copy keeps its
 * bytes (copied: retaining the piece would hold the whole read buffer it is a slice of) and sends head
 * and body to the canary once the body has all arrived. A body that grows past the bound, or a user's request that ends before its body does, drops
 * the copy: the canary never gets part of a request.
 */
final class ShadowCopy implements BackendUser {
    /** Copies in flight per event loop at most: beyond it a slow canary would hold connections and memory. */
    static final int MAX_IN_FLIGHT = 256;
    /** The request header that tells a backend this is a copy (it may skip side effects). */
    static final String HEADER = "X-Glidepath-Shadow";
    /** How long a copy may take before it is cut and counted as a 504. */
    static final long TIMEOUT_MILLIS = 30_000;
    /** The largest body a copy carries; 256 copies in flight on a loop then hold at most 16 MB of bodies. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    private final ProxyContext px;
    private final ActiveRoute route;
    private final HttpRequest request;
    private final BackendPool pool;
    private Endpoint endpoint;
    private Channel backend;
    private long startNanos;
    private int status;
    private boolean keepAlive;
    private boolean done;
    private ScheduledFuture<?> timeout;
    /** The body so far, while the user's request still sends it; null for a request without a body and once sent. */
    private ByteBuf body;
    private boolean bodyComplete;
    private boolean sent;

    private ShadowCopy(ProxyContext px, ActiveRoute route, HttpRequest request, BackendPool pool, ByteBuf body) {
        this.px = px;
        this.route = route;
        this.request = request;
        this.pool = pool;
        this.body = body;
        this.bodyComplete = body == null;
    }

    /**
     * Sends a copy of {@code original} (its head, as it goes to the backend) to an endpoint of the canary.
     * Runs on the event loop of the user's channel {@code user}, whose pool it uses. With {@code withBody} the copy waits
     * for the body through {@link #offer} and is returned for that; null when it was dropped at once (or has
     * no body to wait for). {@code takesTrailers}: the client said {@code TE: trailers}, which an HTTP/2 backend
     * is told again.
     */
    static ShadowCopy send(ProxyContext px, ActiveRoute route, HttpRequest original, boolean withBody, boolean takesTrailers, Channel user) {
        BackendPool pool = px.pool();
        long now = System.nanoTime();
        Endpoint e = EndpointPicker.pick(route.endpoints(Track.CANARY), null, now);
        if (e == null || pool.shadowsInFlight >= MAX_IN_FLIGHT || (withBody && HttpUtil.getContentLength(original, 0L) > MAX_BODY_BYTES)) {
            px.shadowDropped.increment();
            return null;
        }
        HttpHeaders headers = new DefaultHttpHeaders().set(original.headers());
        headers.set(HEADER, "1");
        headers.remove(HttpHeaderNames.EXPECT); // the copy's body goes with its head, whole: nothing to wait for
        if (takesTrailers && route.spec().settingsOf(e.address()).protocol() == BackendProtocol.H2C) {
            headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS); // as the user's own call: gRPC servers expect it
        }
        ShadowCopy copy = new ShadowCopy(px, route, new DefaultHttpRequest(HttpVersion.HTTP_1_1, original.method(), original.uri(), headers), pool,
                withBody ? user.alloc().buffer() : null);
        copy.start(e, now, user.eventLoop());
        return withBody ? copy : null;
    }

    /**
     * A piece of the user's body, as it goes to stable (its bytes are copied; the piece is left as it was); the
     * last piece sends the copy once it is connected. A body beyond {@link #MAX_BODY_BYTES} drops the copy.
     */
    void offer(HttpContent c) {
        if (done || bodyComplete) {
            return;
        }
        ByteBuf piece = c.content();
        if (body.readableBytes() + piece.readableBytes() > MAX_BODY_BYTES) {
            drop();
            return;
        }
        body.writeBytes(piece, piece.readerIndex(), piece.readableBytes());
        if (c instanceof LastHttpContent) {
            bodyComplete = true;
            if (backend != null) {
                transmit();
            }
        }
    }

    /** The user's request ended before its body did: the canary gets nothing of it. */
    void abandon() {
        if (!done && !bodyComplete) {
            drop();
        }
    }

    private void drop() {
        px.shadowDropped.increment();
        end(false);
    }

    private void start(Endpoint e, long now, EventLoop loop) {
        pool.shadowsInFlight++;
        endpoint = e;
        startNanos = now; // as the user's attempt: both include the time the client takes to send its body
        e.acquire();
        timeout = loop.schedule(() -> {
            if (!done && sent) {
                record(504);
                end(false);
            } else if (!done) {
                drop(); // the user's body did not come in time
            }
        }, TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        if (route.spec().settingsOf(e.address()).protocol() == BackendProtocol.H2C) {
            pool.openStream(e).addListener((Future<Channel> f) -> connected(f.isSuccess() ? f.getNow() : null));
            return;
        }
        Channel pooled = pool.poll(e);
        if (pooled != null) {
            connected(pooled);
        } else {
            pool.connect(e).addListener((ChannelFuture f) -> connected(f.isSuccess() ? f.channel() : null));
        }
    }

    private void connected(Channel ch) {
        if (done) { // dropped while it connected
            if (ch != null) {
                ch.close();
            }
            return;
        }
        if (ch == null) {
            shadow().recordConnectFailure();
            px.shadowDropped.increment();
            end(false);
            return;
        }
        backend = ch;
        pool.lease(endpoint, ch); // a drain's deadline cuts copies as it cuts users' requests
        ch.pipeline().get(BackendHandler.class).bind(this);
        ch.config().setAutoRead(true);
        if (bodyComplete) {
            transmit();
        }
    }

    /** Head and whole body to the canary: the body's length is known now, so it goes with a Content-Length. */
    private void transmit() {
        sent = true;
        if (body == null) {
            backend.write(request);
            backend.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        request.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        HttpUtil.setContentLength(request, body.readableBytes());
        ByteBuf b = body;
        body = null;
        backend.write(request);
        backend.writeAndFlush(new DefaultLastHttpContent(b));
    }

    @Override
    public void onResponseHead(HttpResponse r) {
        int code = r.status().code();
        if (code >= 100 && code < 200) {
            return; // an interim answer: the final one follows
        }
        status = code;
        keepAlive = HttpUtil.isKeepAlive(r);
        if (GrpcStatus.isGrpc(r.headers()) && r.headers().contains(GrpcStatus.HEADER)) {
            status = GrpcStatus.asHttp(code, r.headers());
        }
    }

    @Override
    public void onResponseContent(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (last && status != 0 && ((LastHttpContent) c).trailingHeaders().contains(GrpcStatus.HEADER)) {
            status = GrpcStatus.asHttp(status, ((LastHttpContent) c).trailingHeaders());
        }
        c.release(); // nobody reads a copy's answer
        if (last && status != 0) {
            record(status);
            end(keepAlive);
        }
    }

    @Override
    public void flushToClient() {
    }

    @Override
    public void backendWritabilityChanged() {
    }

    @Override
    public void onBackendGone(Throwable cause) {
        if (!done && sent) {
            record(502); // the copy was lost: counted against the canary as a user's lost request would be
            end(false);
        } else if (!done) {
            drop(); // a pooled connection closed while the copy waited for the body: the canary had nothing yet
        }
    }

    private void record(int code) {
        shadow().recordResponse(code, (System.nanoTime() - startNanos) / 1_000);
    }

    private MetricSeries shadow() {
        return route.runtime().shadow();
    }

    private void end(boolean reuse) {
        if (done) {
            return;
        }
        done = true;
        pool.shadowsInFlight--;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (body != null) {
            body.release();
            body = null;
        }
        endpoint.release();
        Channel ch = backend;
        if (ch != null) {
            pool.unlease(endpoint, ch);
            ch.pipeline().get(BackendHandler.class).unbind();
            if (reuse) {
                pool.release(endpoint, ch);
            } else {
                ch.close();
            }
        }
    }
}
