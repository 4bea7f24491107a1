package io.glidepath.router.drain;

import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.route.RouteRegistry;
import io.glidepath.router.route.RouteRuntime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches endpoints that are leaving their routes. An endpoint is drained when its last in-flight
 * request is done; at its deadline, what is still in flight is cut (its backend connections closed)
 * and counted. Drained endpoints stay visible in the admin API for a while, so whoever stops the
 * process can see that the drain finished.
 */
public final class Drainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Drainer.class);
    static final long CHECK_EVERY_MILLIS = 50;
    static final long KEEP_DRAINED_MILLIS = 5 * 60_000;
    /** Idle routes give their metric buckets back this often (a route idle for the kept window holds totals only). */
    static final long RELEASE_METRICS_EVERY_MILLIS = 60_000;

    /** Closes the connections still carrying requests to an endpoint. */
    @FunctionalInterface
    public interface Cutter {
        void cut(Endpoint endpoint);
    }

    private final RouteRegistry registry;
    private final Cutter cutter;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "drainer");
        t.setDaemon(true);
        return t;
    });
    private long lastForget;
    private long lastRelease = System.currentTimeMillis();

    public Drainer(RouteRegistry registry, Cutter cutter) {
        this.registry = registry;
        this.cutter = cutter;
    }

    public Drainer start() {
        timer.scheduleWithFixedDelay(this::check, CHECK_EVERY_MILLIS, CHECK_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    void check() {
        try {
            long now = System.nanoTime();
            registry.forEachDraining((rt, e) -> checkOne(rt, e, now)); // the registry knows which endpoints left
            long nowMillis = System.currentTimeMillis();
            if (nowMillis - lastForget > 1_000) {
                lastForget = nowMillis;
                registry.forgetDrained(KEEP_DRAINED_MILLIS);
            }
            if (nowMillis - lastRelease > RELEASE_METRICS_EVERY_MILLIS) {
                lastRelease = nowMillis;
                registry.releaseIdleMetrics();
            }
        } catch (RuntimeException e) {
            log.warn("drain check failed", e);
        }
    }

    private void checkOne(RouteRuntime rt, Endpoint e, long now) {
        int inflight = e.inflight();
        if (inflight == 0) {
            e.markDrained(System.currentTimeMillis(), 0);
            log.info("endpoint {} of route {} drained", e.address(), rt.name());
        } else if (now - e.drainDeadlineNanos() >= 0) {
            cutter.cut(e);
            e.metrics().recordCut(inflight);
            e.markDrained(System.currentTimeMillis(), inflight);
            log.warn("endpoint {} of route {}: drain deadline reached, cut {} requests still in flight", e.address(), rt.name(), inflight);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
