package io.glidepath.router.proxy;

import io.glidepath.router.acme.Http01Responder;
import io.glidepath.router.route.RoutingTable;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** What every connection handler of one proxy shares: the table, the settings, the pools. */
final class ProxyContext {
    final Supplier<RoutingTable> table;
    final ProxySettings settings;
    final ChannelGroup clients;
    /** Null when there is no access log. */
    final AccessLog accessLog;
    final LongAdder unmatched = new LongAdder();
    final LongAdder badRequests = new LongAdder();
    final LongAdder clientTimeouts = new LongAdder();
    final LongAdder refusedConnections = new LongAdder();
    final LongAdder tlsHandshakeFailures = new LongAdder();
    final LongAdder shadowDropped = new LongAdder();
    private final AtomicInteger open = new AtomicInteger();
    /** The listening channels: they stop accepting while {@code maxConnections} are open. */
    final List<Channel> listeners = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<BackendPool> pools = new FastThreadLocal<>();
    private volatile boolean stopping;
    /** ACME's HTTP-01 tokens in flight; null without ACME. */
    volatile Http01Responder acmeChallenges;
    /** The HTTPS listener's port, for redirects to it; 0 without one. */
    volatile int httpsPort;

    ProxyContext(Supplier<RoutingTable> table, ProxySettings settings, ChannelGroup clients, AccessLog accessLog) {
        this.table = table;
        this.settings = settings;
        this.clients = clients;
        this.accessLog = accessLog;
    }

    /** A line in the access log for a request the router refused before it was one (a malformed or late head). */
    void logRefused(Channel ch, String method, String uri, String protocol, int status, long bytes) {
        if (accessLog == null) {
            return;
        }
        java.net.SocketAddress a = ch.remoteAddress();
        String client = a instanceof java.net.InetSocketAddress i ? i.getAddress().getHostAddress() : null;
        accessLog.add(new AccessLog.Entry(System.currentTimeMillis(), client, method, null, uri == null ? null : Exchange.withoutQuery(uri), protocol,
                null, null, null, null, status, bytes, 0, false));
    }

    /** The pool of the calling event loop (set on each loop at start). */
    BackendPool pool() {
        return pools.get();
    }

    void installPool(BackendPool pool) {
        pools.set(pool);
    }

    /**
     * A client connection opened: false when it is one too many (a listener accepted it before it
     * paused). At the limit the listeners pause: further clients wait in the kernel's accept queue, as
     * HAProxy's maxconn has them wait, instead of being refused.
     */
    boolean connectionOpened() {
        int n = open.incrementAndGet();
        if (n >= settings.maxConnections()) {
            listeners.forEach(l -> l.config().setAutoRead(false));
        }
        return n <= settings.maxConnections();
    }

    void connectionClosed() {
        int n = open.decrementAndGet();
        if (n < settings.maxConnections() && !stopping) {
            listeners.forEach(l -> {
                if (!l.config().isAutoRead()) {
                    l.config().setAutoRead(true);
                }
            });
        }
    }

    int openConnections() {
        return open.get();
    }

    boolean stopping() {
        return stopping;
    }

    void stop() {
        stopping = true;
    }
}
