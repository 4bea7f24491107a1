package io.glidepath.router.handoff;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.PeerCredentials;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the router's listening sockets in a process that outlives the router (its supervisor), and
 * hands copies of them to each router it starts, over a Unix socket (SCM_RIGHTS), as nginx's master
 * does for its workers. The sockets never close while routers come and go: connections that arrive
 * while none accepts (a router killed, the next one starting) wait in the kernel's accept queue and
 * are served by the next router, instead of being refused; a planned restart lets the old and the new
 * router accept from one queue at once. This process never accepts on them itself.
 *
 * <p>Protocol: a router connects to {@link #socketPath()} and receives one descriptor per listener, in
 * the order they were given; then the connection closes. Only the keeper's own user may connect (the
 * socket file is 0600 and the peer's uid is checked).
 */
public final class ListenerKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerKeeper.class);
    /** The kernel queue for connections no router has accepted yet: a restart's worth at a busy edge. */
    static final int BACKLOG = 4096;

    /** A listening address to hold: port 0 takes a free one, kept for good. */
    public record Listen(String host, int port) {
    }

    private final EventLoopGroup group;
    private final List<Channel> listeners;
    private final Channel handoff;
    private final Path socketPath;

    private ListenerKeeper(EventLoopGroup group, List<Channel> listeners, Channel handoff, Path socketPath) {
        this.group = group;
        this.listeners = listeners;
        this.handoff = handoff;
        this.socketPath = socketPath;
    }

    /**
     * Binds each of {@code listens} (a failure names the address) and starts handing them out at
     * {@code socketPath} (replaced when a stale one is left from a keeper that died).
     */
    public static ListenerKeeper open(List<Listen> listens, Path socketPath) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("handing listeners to the router needs Netty's native epoll, which did not load: " + Epoll.unavailabilityCause());
        }
        checkPathLength(socketPath);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("listener-keeper", true), EpollIoHandler.newFactory());
        List<Channel> bound = new ArrayList<>();
        try {
            for (Listen l : listens) {
                bound.add(bindListener(group, l));
            }
            Files.createDirectories(socketPath.toAbsolutePath().getParent());
            Files.deleteIfExists(socketPath);
            long uid = ownUid(socketPath.toAbsolutePath().getParent());
            Channel handoff = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                        @Override
                        protected void initChannel(EpollDomainSocketChannel ch) {
                            ch.pipeline().addLast(new HandOut(bound, uid));
                        }
                    })
                    .bind(new DomainSocketAddress(socketPath.toFile())).sync().channel();
            Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
            return new ListenerKeeper(group, List.copyOf(bound), handoff, socketPath);
        } catch (IOException | RuntimeException | InterruptedException e) {
            bound.forEach(Channel::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof IOException io ? io : new IOException("cannot hand out listeners at " + socketPath + ": " + e.getMessage(), e);
        }
    }

    /** A listening socket nobody here accepts on: auto-read off, so this process never takes a connection. */
    private static Channel bindListener(EventLoopGroup group, Listen l) throws IOException, InterruptedException {
        try {
            return new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, BACKLOG)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInboundHandlerAdapter())
                    .bind(l.host(), l.port()).sync().channel();
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + l.host() + ":" + l.port() + ": " + e.getMessage(), e);
        }
    }

    static void checkPathLength(Path socketPath) throws IOException {
        int length = socketPath.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length;
        if (length >= 108) {
            throw new IOException("the Unix socket path " + socketPath.toAbsolutePath() + " is " + length
                    + " bytes; Linux allows 107: use a shorter --data-dir");
        }
    }

    private static long ownUid(Path dir) throws IOException {
        return ((Number) Files.getAttribute(dir, "unix:uid")).longValue();
    }

    /** Where routers ask for the listeners. */
    public Path socketPath() {
        return socketPath;
    }

    /** The addresses held, in the order given (ports resolved). */
    public List<InetSocketAddress> addresses() {
        return listeners.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    @Override
    public void close() {
        handoff.close().syncUninterruptibly();
        listeners.forEach(c -> c.close().syncUninterruptibly());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            log.warn("could not remove {}: {}", socketPath, e.toString());
        }
    }

    /** Sends one router the descriptors, then closes; a peer of another user gets nothing. */
    private static final class HandOut extends ChannelInboundHandlerAdapter {
        private final List<Channel> listeners;
        private final long uid;

        HandOut(List<Channel> listeners, long uid) {
            this.listeners = listeners;
            this.uid = uid;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            EpollDomainSocketChannel ch = (EpollDomainSocketChannel) ctx.channel();
            // read while the socket is open: the flush below may close it before the log line
            PeerCredentials peer = ch.peerCredentials();
            if (peer.uid() != uid) {
                log.warn("refused the listeners to a process of uid {} (pid {}): only uid {} may take them", peer.uid(), peer.pid(), uid);
                ctx.close();
                return;
            }
            for (Channel l : listeners) {
                ctx.write(new FileDescriptor(((EpollServerSocketChannel) l).fd().intValue()));
            }
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            log.info("handed {} listeners to pid {}", listeners.size(), peer.pid());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("handing out the listeners failed: {}", cause.toString());
            ctx.close();
        }
    }
}
