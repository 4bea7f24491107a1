package io.glidepath.router.proxy;

import io.glidepath.route.BackendProtocol;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.endpoint.EndpointPicker;
import io.glidepath.router.metrics.MetricSeries;
import io.glidepath.router.route.ActiveRoute;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
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
 */
final class ShadowCopy implements BackendUser {
    /** Copies in flight per event loop at most: beyond it a slow canary would hold connections and memory. */
    static final int MAX_IN_FLIGHT = 256;
    /** The request header that tells a backend this is a copy (it may skip side effects). */
    static final String HEADER = "X-Glidepath-Shadow";
    /** How long a copy may take before it is cut and counted as a 504. */
    static final long TIMEOUT_MILLIS = 30_000;

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

    private ShadowCopy(ProxyContext px, ActiveRoute route, HttpRequest request, BackendPool pool) {
        this.px = px;
        this.route = route;
        this.request = request;
        this.pool = pool;
    }

    /**
     * Sends a copy of {@code original} (its head, as it goes to the backend; it has no body) to an endpoint
     * of the canary. Runs on the user's event loop, whose pool it uses.
     */
    static void send(ProxyContext px, ActiveRoute route, HttpRequest original) {
        BackendPool pool = px.pool();
        long now = System.nanoTime();
        Endpoint e = EndpointPicker.pick(route.endpoints(Track.CANARY), null, now);
        if (e == null || pool.shadowsInFlight >= MAX_IN_FLIGHT) {
            px.shadowDropped.increment();
            return;
        }
        HttpHeaders headers = new DefaultHttpHeaders().set(original.headers());
        headers.set(HEADER, "1");
        ShadowCopy copy = new ShadowCopy(px, route, new DefaultHttpRequest(HttpVersion.HTTP_1_1, original.method(), original.uri(), headers), pool);
        copy.start(e, now);
    }

    private void start(Endpoint e, long now) {
        pool.shadowsInFlight++;
        endpoint = e;
        startNanos = now;
        e.acquire();
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
        ch.write(request);
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        timeout = ch.eventLoop().schedule(() -> {
            if (!done) {
                record(504);
                end(false);
            }
        }, TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
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
        if (!done) {
            record(502); // the copy was lost: counted against the canary as a user's lost request would be
            end(false);
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
