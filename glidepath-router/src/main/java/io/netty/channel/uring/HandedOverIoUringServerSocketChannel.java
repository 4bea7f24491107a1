package io.netty.channel.uring;

import io.netty.channel.Channel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.ServerSocketChannelConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Glidepath's, not Netty's: an io_uring listener on a socket that is already bound and listening,
 * handed over by the process that keeps it (the router's supervisor; see
 * {@code io.glidepath.router.handoff}). Netty's epoll transport takes such a socket
 * ({@code new EpollServerSocketChannel(fd)}); its io_uring one has no public way to, so this class
 * lives in Netty's package to reach the constructor {@link IoUringServerSocketChannel} itself uses.
 * Compiled against the Netty version the build pins: a change there fails the build, not a restart.
 */
public final class HandedOverIoUringServerSocketChannel extends AbstractIoUringServerChannel implements ServerSocketChannel {
    private final IoUringServerSocketChannelConfig config;

    /** @param fd a TCP socket in the listening state, which this channel owns from now on */
    public HandedOverIoUringServerSocketChannel(int fd) {
        super(new LinuxSocket(fd), true);
        this.config = new IoUringServerSocketChannelConfig(this);
    }

    @Override
    public ServerSocketChannelConfig config() {
        return config;
    }

    @Override
    Channel newChildChannel(int fd, ByteBuffer acceptedAddress) {
        // the peer's address is read from the socket (getpeername) rather than from Netty's accept buffer
        return new IoUringSocketChannel(this, new LinuxSocket(fd));
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }
}
