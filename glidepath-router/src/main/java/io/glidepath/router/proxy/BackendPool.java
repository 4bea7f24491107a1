package io.glidepath.router.proxy;

import io.glidepath.router.endpoint.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to backends for one event loop (HTTP/2 ones in {@link H2Backends}). Used only from its loop, so it needs no
 * locks; connections are reused newest first, so a quiet period lets the oldest ones time out.
 */
final class BackendPool {
    static final String CODEC = "http";

    private final Bootstrap bootstrap;
    private final ProxySettings settings;
    /** Pooled connections by endpoint address, newest first; each handler knows its endpoint and since when it idles. */
    private final Map<InetSocketAddress, ArrayDeque<BackendHandler>> idle = new HashMap<>();
    private final Map<Endpoint, Set<Channel>> leased = new HashMap<>();
    private final H2Backends h2;
    /** Shadow copies out from this loop now ({@link ShadowCopy#MAX_IN_FLIGHT} at most). */
    int shadowsInFlight;

    BackendPool(EventLoop loop, Class<? extends SocketChannel> channelType, ProxySettings settings) {
        this.settings = settings;
        this.h2 = new H2Backends(loop, channelType, settings);
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.ALLOCATOR, ProxyServer.ALLOCATOR)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(CODEC, new HttpClientCodec(new HttpDecoderConfig()
                                .setMaxHeaderSize(64 * 1024)
                                .setMaxChunkSize(16 * 1024), false, false));
                        ch.pipeline().addLast(new BackendHandler());
                    }
                });
        long every = Math.max(250, settings.backendIdle().toMillis() / 4);
        loop.scheduleAtFixedRate(this::sweep, every, every, TimeUnit.MILLISECONDS);
    }

    /** A pooled live connection to the endpoint, or null. */
    Channel poll(Endpoint e) {
        ArrayDeque<BackendHandler> q = idle.get(e.socketAddress());
        if (q == null) {
            return null;
        }
        BackendHandler c;
        while ((c = q.pollFirst()) != null) {
            c.idleFor = null;
            if (c.channel().isActive()) {
                return c.channel();
            }
            c.channel().close();
        }
        return null;
    }

    ChannelFuture connect(Endpoint e) {
        return bootstrap.connect(e.socketAddress());
    }

    /** A new HTTP/2 stream to {@code e} (an h2c endpoint), carrying the same messages as a connection of {@link #connect}. */
    Future<Channel> openStream(Endpoint e) {
        return h2.openStream(e);
    }

    /** Records that {@code ch} carries a request to {@code e}, so that a drain deadline can cut it. */
    void lease(Endpoint e, Channel ch) {
        leased.computeIfAbsent(e, k -> new HashSet<>()).add(ch);
    }

    void unlease(Endpoint e, Channel ch) {
        Set<Channel> s = leased.get(e);
        if (s != null && s.remove(ch) && s.isEmpty()) {
            leased.remove(e);
        }
    }

    /** Closes this loop's connections still carrying requests to {@code e} (a drain ran out of time). */
    int cut(Endpoint e) {
        Set<Channel> s = leased.remove(e);
        if (s == null) {
            return 0;
        }
        List.copyOf(s).forEach(Channel::close);
        return s.size();
    }

    /** Takes back a connection whose exchange ended cleanly; keeps it if its endpoint still serves. */
    void release(Endpoint e, Channel ch) {
        if (ch instanceof Http2StreamChannel || !ch.isActive() || e.phase() != Endpoint.Phase.ACTIVE) {
            ch.close();
            return;
        }
        ArrayDeque<BackendHandler> q = idle.computeIfAbsent(e.socketAddress(), a -> new ArrayDeque<>());
        if (q.size() >= settings.maxIdlePerBackend()) {
            ch.close();
            return;
        }
        ch.config().setAutoRead(true); // an idle connection must notice the backend closing it
        BackendHandler h = ch.pipeline().get(BackendHandler.class);
        h.idleFor = e;
        h.idleSince = System.nanoTime();
        q.addFirst(h);
    }

    /** Closes connections idle too long, closed by the backend, or to endpoints that are leaving. */
    private void sweep() {
        h2.sweep();
        long now = System.nanoTime();
        long max = settings.backendIdle().toNanos();
        for (Iterator<ArrayDeque<BackendHandler>> it = idle.values().iterator(); it.hasNext(); ) {
            ArrayDeque<BackendHandler> q = it.next();
            q.removeIf(c -> {
                boolean stale = !c.channel().isActive() || c.idleFor.phase() != Endpoint.Phase.ACTIVE || now - c.idleSince > max;
                if (stale) {
                    c.idleFor = null;
                    c.channel().close();
                }
                return stale;
            });
            if (q.isEmpty()) {
                it.remove();
            }
        }
    }
}
