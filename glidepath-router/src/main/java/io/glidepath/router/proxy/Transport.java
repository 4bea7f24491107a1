package io.glidepath.router.proxy;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.HandedOverIoUringServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How the proxy's sockets talk to the kernel, fastest first. io_uring queues reads, writes and
 * accepts in rings shared with the kernel instead of a system call each (on this project's
 * benchmark box it took the router from 1.0-1.2x nginx's CPU per request to 0.6-0.7x); the kernel or a
 * container's seccomp profile may refuse it, and epoll, then the JDK's NIO, are taken instead.
 */
public enum Transport {
    IO_URING("io_uring"),
    EPOLL("epoll"),
    NIO("nio");

    private final String label;

    Transport(String label) {
        this.label = label;
    }

    /** The name users write ({@code --transport io_uring}) and the logs show. */
    public String label() {
        return label;
    }

    public boolean available() {
        return switch (this) {
            case IO_URING -> Epoll.isAvailable() && IoUring.isAvailable(); // handed-over listeners are kept with epoll
            case EPOLL -> Epoll.isAvailable();
            case NIO -> true;
        };
    }

    /** Why this transport cannot be used here (empty when it can). */
    public Optional<String> unavailability() {
        if (available()) {
            return Optional.empty();
        }
        Throwable cause = this == IO_URING && Epoll.isAvailable() ? IoUring.unavailabilityCause() : Epoll.unavailabilityCause();
        return Optional.of(cause == null ? "unavailable" : String.valueOf(cause.getMessage()));
    }

    /** {@code asked}, or the fastest this machine allows when none was asked for. */
    public static Transport choose(Optional<Transport> asked) {
        if (asked.isPresent()) {
            Transport t = asked.get();
            if (!t.available()) {
                throw new IllegalStateException("the " + t.label + " transport is not available here (" + t.unavailability().orElseThrow()
                        + "); leave --transport out to take the fastest that is");
            }
            return t;
        }
        return Arrays.stream(values()).filter(Transport::available).findFirst().orElse(NIO);
    }

    /** The transport named {@code label} ({@code io_uring}, {@code epoll}, {@code nio}). */
    public static Optional<Transport> named(String label) {
        String l = label.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.label.equals(l)).findFirst();
    }

    IoHandlerFactory ioHandlers() {
        return switch (this) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return switch (this) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    Class<? extends SocketChannel> socketChannel() {
        return switch (this) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }

    /** A listener on a socket already listening, handed over by the process that keeps it. */
    ServerChannel handedOver(int fd) {
        return switch (this) {
            case IO_URING -> new HandedOverIoUringServerSocketChannel(fd);
            case EPOLL -> new EpollServerSocketChannel(fd);
            case NIO -> throw new IllegalStateException("a listener handed over needs native epoll or io_uring, which did not load");
        };
    }
}
