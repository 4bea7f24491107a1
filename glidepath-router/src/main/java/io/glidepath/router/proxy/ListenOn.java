package io.glidepath.router.proxy;

import io.netty.channel.unix.FileDescriptor;

/**
 * Where a listener takes connections: an address to bind (port 0: a free one), or a listening socket
 * handed over by the process that keeps it ({@link io.glidepath.router.handoff.ListenerKeeper}).
 */
public record ListenOn(String host, int port, FileDescriptor fd) {

    public static ListenOn address(String host, int port) {
        return new ListenOn(host, port, null);
    }

    public static ListenOn inherited(FileDescriptor fd) {
        return new ListenOn(null, 0, fd);
    }

    public boolean inherited() {
        return fd != null;
    }

    @Override
    public String toString() {
        return inherited() ? "the listening socket handed over (fd " + fd.intValue() + ")" : host + ":" + port;
    }
}
