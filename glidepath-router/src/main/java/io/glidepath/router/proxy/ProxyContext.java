package io.glidepath.router.proxy;

import io.glidepath.router.route.RoutingTable;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** What every connection handler of one proxy shares: the table, the settings, the pools. */
final class ProxyContext {
    final Supplier<RoutingTable> table;
    final ProxySettings settings;
    final ChannelGroup clients;
    final LongAdder unmatched = new LongAdder();
    final LongAdder badRequests = new LongAdder();
    private final FastThreadLocal<BackendPool> pools = new FastThreadLocal<>();
    private volatile boolean stopping;

    ProxyContext(Supplier<RoutingTable> table, ProxySettings settings, ChannelGroup clients) {
        this.table = table;
        this.settings = settings;
        this.clients = clients;
    }

    /** The pool of the calling event loop (set on each loop at start). */
    BackendPool pool() {
        return pools.get();
    }

    void installPool(BackendPool pool) {
        pools.set(pool);
    }

    boolean stopping() {
        return stopping;
    }

    void stop() {
        stopping = true;
    }
}
