package io.glidepath.router.proxy;

import io.glidepath.router.endpoint.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HTTP/2 to backends that speak it in clear text ({@code h2c}, prior knowledge: gRPC servers), for
 * one event loop: one connection per endpoint, each request a stream of it. A stream's pipeline
 * carries the same HTTP messages as a pooled HTTP/1.1 connection ({@link BackendPool#CODEC} then
 * {@link BackendHandler}), so an {@link Exchange} drives either the same way; a stream is never
 * reused, and closing one that has not ended resets it (the backend sees the call cancelled).
 */
final class H2Backends {
    private final Bootstrap bootstrap;
    private final Map<InetSocketAddress, Connection> connections = new HashMap<>();

    /** One HTTP/2 connection: streams asked for while it connects wait (a client may send right after its preface). */
    private static final class Connection {
        final Channel channel;
        final Endpoint endpoint;
        final List<Promise<Channel>> waiting = new ArrayList<>();
        boolean ready;

        Connection(Channel channel, Endpoint endpoint) {
            this.channel = channel;
            this.endpoint = endpoint;
        }
    }

    H2Backends(EventLoop loop, Class<? extends SocketChannel> channelType, ProxySettings settings) {
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.ALLOCATOR, ProxyServer.ALLOCATOR)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis());
    }

    /** A new stream to {@code e}, on its connection (opened first when there is none). */
    Future<Channel> openStream(Endpoint e) {
        EventLoop loop = bootstrap.config().group().next();
        Promise<Channel> stream = loop.newPromise();
        Connection c = connections.get(e.socketAddress());
        if (c == null) {
            c = connect(e);
        }
        if (c.ready) {
            open(c, stream);
        } else {
            c.waiting.add(stream);
        }
        return stream;
    }

    private Connection connect(Endpoint e) {
        InetSocketAddress address = e.socketAddress();
        ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                // requests are written as clients' requests are read, outside this connection's read: one flush per turn
                ch.pipeline().addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build());
                ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg); // a pushed stream: nothing asked for it
                        ctx.close();
                    }
                }));
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg); // the connection's own frames (settings, pings, goaway)
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                });
            }
        }).connect(address);
        Connection c = new Connection(f.channel(), e);
        connections.put(address, c);
        f.addListener(done -> {
            if (done.isSuccess()) {
                started(c);
            } else {
                fail(c, done.cause());
            }
        });
        f.channel().closeFuture().addListener(closed -> {
            connections.remove(address, c);
            fail(c, new java.io.IOException("the HTTP/2 connection to " + address + " closed"));
        });
        return c;
    }

    private void started(Connection c) {
        if (c.ready) {
            return;
        }
        c.ready = true;
        List<Promise<Channel>> w = List.copyOf(c.waiting);
        c.waiting.clear();
        w.forEach(p -> open(c, p));
    }

    private static void fail(Connection c, Throwable cause) {
        List<Promise<Channel>> w = List.copyOf(c.waiting);
        c.waiting.clear();
        w.forEach(p -> p.tryFailure(cause));
    }

    private static void open(Connection c, Promise<Channel> stream) {
        new Http2StreamChannelBootstrap(c.channel).handler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline().addLast(BackendPool.CODEC, new Http2StreamFrameToHttpObjectCodec(false));
                ch.pipeline().addLast(new BackendHandler());
            }
        }).open().addListener(f -> {
            if (f.isSuccess()) {
                stream.trySuccess((Channel) f.getNow());
            } else {
                stream.tryFailure(f.cause());
            }
        });
    }

    /** Closes connections to endpoints that are leaving once no stream is open on them, and dead ones. */
    void sweep() {
        connections.values().removeIf(c -> {
            Http2FrameCodec codec = c.channel.pipeline().get(Http2FrameCodec.class);
            boolean idle = codec == null || codec.connection().numActiveStreams() == 0;
            boolean gone = !c.channel.isActive() && c.ready || c.endpoint.phase() != Endpoint.Phase.ACTIVE && idle;
            if (gone) {
                c.channel.close();
            }
            return gone;
        });
    }
}
