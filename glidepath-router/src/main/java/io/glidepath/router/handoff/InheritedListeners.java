package io.glidepath.router.handoff;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The router's side of {@link ListenerKeeper}: asks the keeper at a Unix socket for its listening
 * sockets and gets their descriptors, which the proxy then accepts on instead of binding its own.
 */
public final class InheritedListeners {
    private InheritedListeners() {
    }

    /** Receives exactly {@code expected} listening sockets from the keeper at {@code socketPath}, within {@code timeout}. */
    public static List<FileDescriptor> receive(Path socketPath, int expected, Duration timeout) throws IOException, InterruptedException {
        if (!Epoll.isAvailable()) {
            throw new IOException("taking listeners from " + socketPath + " needs Netty's native epoll, which did not load: " + Epoll.unavailabilityCause());
        }
        ListenerKeeper.checkPathLength(socketPath);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("listener-handoff", true), EpollIoHandler.newFactory());
        List<FileDescriptor> received = new ArrayList<>();
        try {
            Channel ch;
            try {
                ch = new Bootstrap()
                        .group(group)
                        .channel(EpollDomainSocketChannel.class)
                        .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                        .handler(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof FileDescriptor fd) {
                                    synchronized (received) {
                                        received.add(fd);
                                    }
                                }
                            }
                        })
                        .connect(new DomainSocketAddress(socketPath.toFile())).sync().channel();
            } catch (RuntimeException e) {
                throw new IOException("cannot reach the listener keeper at " + socketPath + " (is the router's supervisor running?): " + e.getMessage(), e);
            }
            // the keeper closes once it has sent them all
            if (!ch.closeFuture().await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                ch.close();
                throw new IOException("the listener keeper at " + socketPath + " did not hand over its listeners within " + timeout.toMillis() + " ms");
            }
            synchronized (received) {
                if (received.size() != expected) {
                    closeAll(received);
                    throw new IOException("the listener keeper at " + socketPath + " handed over " + received.size() + " listeners where "
                            + expected + " were expected (is it of another data directory, or was it refused? see its log)");
                }
                return List.copyOf(received);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static void closeAll(List<FileDescriptor> fds) {
        for (FileDescriptor fd : fds) {
            try {
                fd.close();
            } catch (IOException ignored) {
                // closing our copy only
            }
        }
    }
}
