package io.glidepath.router.proxy;

import io.glidepath.router.acme.Http01Responder;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.route.RoutingTable;
import io.glidepath.router.tls.Certificates;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SniHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's listener: a Netty server on native epoll (NIO where epoll is missing) with a
 * fixed number of event loops, each owning the client connections it accepted and a pool of
 * backend connections, so that a request never changes threads.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    /**
     * The data path's buffers. Netty 4.2 defaults to its adaptive allocator; on this workload
     * (small request and response, two reads and two writes per request) the pooled one measured
     * about 25% less CPU per request (docs/benchmarks.md).
     */
    public static final ByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;

    private final ProxyContext px;
    private final EventLoopGroup group;
    private final Transport transport;
    private Channel serverChannel;
    private Channel tlsChannel;

    public ProxyServer(Supplier<RoutingTable> table, ProxySettings settings) {
        this(table, settings, null);
    }

    /** @param accessLog where each request's line goes; null for none */
    public ProxyServer(Supplier<RoutingTable> table, ProxySettings settings, AccessLog accessLog) {
        ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        this.px = new ProxyContext(table, settings, clients, accessLog);
        this.transport = Transport.choose(settings.transport());
        this.group = new MultiThreadIoEventLoopGroup(settings.eventLoops(), new DefaultThreadFactory("proxy"), transport.ioHandlers());
        if (settings.transport().isEmpty() && transport != Transport.IO_URING) {
            log.info("io_uring is not available ({}); the proxy uses {}", Transport.IO_URING.unavailability().orElse("?"), transport.label());
        }
    }

    /**
     * Answers ACME's HTTP-01 challenges ({@code /.well-known/acme-challenge/TOKEN}) with {@code responder}'s
     * key authorizations, before any route is looked for; a token it does not know goes to the routes.
     */
    public void answerAcmeChallenges(Http01Responder responder) {
        px.acmeChallenges = responder;
    }

    /** How the proxy's sockets talk to the kernel. */
    public Transport transport() {
        return transport;
    }

    /** Binds the plain HTTP listener; returns the address bound (port 0 picks a free one). */
    public InetSocketAddress start(String host, int port) throws InterruptedException {
        return start(ListenOn.address(host, port));
    }

    /** Opens the plain HTTP listener where {@code on} says; returns its address. */
    public InetSocketAddress start(ListenOn on) throws InterruptedException {
        installPools();
        serverChannel = open(on, null);
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.info("proxy listening on {}{} with {} event loops ({})", bound, on.inherited() ? " (handed over)" : "", px.settings.eventLoops(),
                transport.label());
        return bound;
    }

    /**
     * Binds the HTTPS listener beside the plain one (after {@link #start}): TLS 1.3 and 1.2, the
     * certificate chosen per connection by the name the client asks for ({@link Certificates}).
     */
    public InetSocketAddress startTls(String host, int port, Certificates certificates) throws InterruptedException {
        return startTls(ListenOn.address(host, port), certificates);
    }

    /** Opens the HTTPS listener where {@code on} says ({@link #startTls(String, int, Certificates)}). */
    public InetSocketAddress startTls(ListenOn on, Certificates certificates) throws InterruptedException {
        tlsChannel = open(on, certificates);
        InetSocketAddress bound = (InetSocketAddress) tlsChannel.localAddress();
        px.httpsPort = bound.getPort();
        log.info("proxy listening for HTTPS on {} ({})", bound, certificates.provider());
        return bound;
    }

    private void installPools() throws InterruptedException {
        List<io.netty.util.concurrent.Future<?>> installs = new ArrayList<>();
        for (EventExecutor ex : group) {
            EventLoop loop = (EventLoop) ex;
            installs.add(loop.submit(() -> px.installPool(new BackendPool(loop, transport.socketChannel(), px.settings))));
        }
        for (io.netty.util.concurrent.Future<?> f : installs) {
            f.sync();
        }
    }

    private Channel open(ListenOn on, Certificates certificates) throws InterruptedException {
        long handshakeMillis = px.settings.headTimeout().toMillis();
        ServerBootstrap b = new ServerBootstrap().group(group);
        if (on.inherited()) {
            int fd = on.fd().intValue();
            b.channelFactory(() -> transport.handedOver(fd));
        } else {
            b.channel(transport.serverChannel());
        }
        b.option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Pipelines.ConnectionGate(px));
                        if (certificates != null) {
                            // replaced by the chosen certificate's SslHandler once the ClientHello named a host; ALPN then picks the protocol
                            ch.pipeline().addLast(new SniHandler(certificates, handshakeMillis)).addLast(new Pipelines.TlsSwitch(px));
                        } else {
                            ch.pipeline().addLast(new Pipelines.PlainSwitch(px));
                        }
                    }
                });
        // a socket handed over is listening already: registered, it accepts
        Channel ch = (on.inherited() ? b.register() : b.bind(on.host(), on.port())).sync().channel();
        px.listeners.add(ch);
        return ch;
    }

    /**
     * Closes every backend connection still carrying a request to {@code e}, on each event loop (the
     * leases live there, unshared). Used when a drain reaches its deadline.
     */
    public void cut(Endpoint e) {
        for (EventExecutor ex : group) {
            ex.execute(() -> {
                BackendPool pool = px.pool();
                if (pool != null) {
                    pool.cut(e);
                }
            });
        }
    }

    /** Stops accepting; idle client connections close now, busy ones after their response. */
    public void beginShutdown() {
        px.stop();
        closeListeners();
        for (Channel ch : px.clients) {
            ch.eventLoop().execute(() -> {
                FrontendHandler h = ch.pipeline().get(FrontendHandler.class);
                if (h != null) {
                    h.closeWhenIdle();
                } else {
                    ch.close();
                }
            });
        }
    }

    private void closeListeners() {
        for (Channel l : new Channel[] {serverChannel, tlsChannel}) {
            if (l != null) {
                l.close().syncUninterruptibly();
            }
        }
    }

    /** Waits until every client connection has closed, or the deadline; true when all did. */
    public boolean awaitClientsClosed(Duration deadline) throws InterruptedException {
        // no connection can join: the listener is closed
        return px.clients.newCloseFuture().await(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int openClientConnections() {
        return px.clients.size();
    }

    /** The listener's counters, read live. */
    public ListenerCounters counters() {
        return new ListenerCounters() {
            @Override
            public long openConnections() {
                return px.openConnections();
            }

            @Override
            public long unmatched() {
                return px.unmatched.sum();
            }

            @Override
            public long badRequests() {
                return px.badRequests.sum();
            }

            @Override
            public long clientTimeouts() {
                return px.clientTimeouts.sum();
            }

            @Override
            public long refusedConnections() {
                return px.refusedConnections.sum();
            }

            @Override
            public long tlsHandshakeFailures() {
                return px.tlsHandshakeFailures.sum();
            }

            @Override
            public long accessLogDropped() {
                return px.accessLog == null ? 0 : px.accessLog.dropped();
            }

            @Override
            public long shadowDropped() {
                return px.shadowDropped.sum();
            }
        };
    }

    @Override
    public void close() {
        closeListeners();
        px.clients.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (px.accessLog != null) {
            px.accessLog.close(); // after the loops: their last lines are in
        }
    }
}
