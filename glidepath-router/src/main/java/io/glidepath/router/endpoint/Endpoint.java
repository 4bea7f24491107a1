package io.glidepath.router.endpoint;

import io.glidepath.route.EndpointAddress;
import io.glidepath.router.metrics.MetricSeries;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend instance of a route, as the data path sees it: whether it may take new requests
 * (health, passive ejection, draining), how many requests it has in flight, and its metrics. The
 * object lives as long as the address stays in its route, across route changes, so health and
 * in-flight counts survive a weight change or a move between tracks.
 */
public final class Endpoint {

    public enum Health { PENDING, HEALTHY, UNHEALTHY }

    /** Lifecycle of an endpoint in a route: serving, leaving with requests in flight, gone. */
    public enum Phase { ACTIVE, DRAINING, DRAINED }

    static final int EJECT_AFTER_CONNECT_FAILURES = 2;
    static final long FIRST_EJECTION_NANOS = 1_000_000_000L;
    static final long MAX_EJECTION_NANOS = 30_000_000_000L;

    private final EndpointAddress address;
    private final InetSocketAddress socketAddress;
    private final MetricSeries metrics;
    private final AtomicInteger inflight = new AtomicInteger();
    private final AtomicInteger consecutiveConnectFailures = new AtomicInteger();
    private volatile Health health = Health.PENDING;
    /** Health restored from the state file, not yet confirmed by a check or a connection since the restart. */
    private volatile boolean unconfirmed;
    private volatile Phase phase = Phase.ACTIVE;
    private volatile long ejectedUntilNanos;
    private volatile long ejectionNanos;
    private volatile long drainDeadlineNanos;
    private volatile long drainedAtMillis;
    private volatile int cutRequests;

    public Endpoint(EndpointAddress address, MetricSeries metrics) {
        this.address = address;
        this.socketAddress = new InetSocketAddress(address.host(), address.port());
        this.metrics = metrics;
    }

    public EndpointAddress address() {
        return address;
    }

    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public MetricSeries metrics() {
        return metrics;
    }

    /** May this endpoint take a new request now? */
    public boolean isEligible(long nowNanos) {
        return phase == Phase.ACTIVE && health == Health.HEALTHY && nowNanos - ejectedUntilNanos >= 0;
    }

    public Health health() {
        return health;
    }

    public void setHealth(Health h) {
        unconfirmed = false;
        health = h;
        if (h == Health.HEALTHY) {
            clearEjection();
        }
    }

    /**
     * Health as the state file last knew it, after a restart: a HEALTHY one takes traffic at once, on
     * probation until its first check or connection proves it (a failed connect ejects it at once
     * rather than after {@value #EJECT_AFTER_CONNECT_FAILURES} in a row).
     */
    public void restoreHealth(Health h) {
        health = h;
        unconfirmed = h != Health.PENDING;
    }

    /** A check confirmed the restored health. */
    public void confirm() {
        unconfirmed = false;
    }

    /** Restored health that no check or connection has confirmed yet. */
    public boolean isUnconfirmed() {
        return unconfirmed;
    }

    public boolean isEjected(long nowNanos) {
        return nowNanos - ejectedUntilNanos < 0;
    }

    // --- in flight -------------------------------------------------------------------------------

    public int inflight() {
        return inflight.get();
    }

    public void acquire() {
        inflight.incrementAndGet();
    }

    public void release() {
        inflight.decrementAndGet();
    }

    // --- passive ejection ------------------------------------------------------------------------

    /** A connect failed: after a few in a row the endpoint sits out, twice as long each time. */
    public void connectFailed(long nowNanos) {
        metrics.recordConnectFailure();
        boolean onProbation = unconfirmed;
        unconfirmed = false;
        if (consecutiveConnectFailures.incrementAndGet() >= EJECT_AFTER_CONNECT_FAILURES || onProbation) {
            long next = ejectionNanos == 0 ? FIRST_EJECTION_NANOS : Math.min(ejectionNanos * 2, MAX_EJECTION_NANOS);
            ejectionNanos = next;
            ejectedUntilNanos = nowNanos + next;
            consecutiveConnectFailures.set(0);
        }
    }

    public void connectSucceeded() {
        if (unconfirmed) {
            unconfirmed = false;
        }
        if (consecutiveConnectFailures.get() != 0) {
            consecutiveConnectFailures.set(0);
        }
        if (ejectionNanos != 0 && !isEjected(System.nanoTime())) {
            clearEjection();
        }
    }

    private void clearEjection() {
        ejectionNanos = 0;
        ejectedUntilNanos = 0;
        consecutiveConnectFailures.set(0);
    }

    // --- draining --------------------------------------------------------------------------------

    public Phase phase() {
        return phase;
    }

    public boolean isDraining() {
        return phase == Phase.DRAINING;
    }

    /** Stop sending new requests here; those in flight may finish until the deadline. */
    public void startDrain(long deadlineNanos) {
        if (phase == Phase.ACTIVE) {
            drainDeadlineNanos = deadlineNanos;
            phase = Phase.DRAINING;
        }
    }

    /** The endpoint came back into its route before its drain ended. */
    public void cancelDrain() {
        phase = Phase.ACTIVE;
        drainedAtMillis = 0;
    }

    public long drainDeadlineNanos() {
        return drainDeadlineNanos;
    }

    public void markDrained(long nowMillis, int cut) {
        cutRequests = cut;
        drainedAtMillis = nowMillis;
        phase = Phase.DRAINED;
    }

    public long drainedAtMillis() {
        return drainedAtMillis;
    }

    public int cutRequests() {
        return cutRequests;
    }

    @Override
    public String toString() {
        return address + "(" + phase + ", " + health + ", inflight " + inflight.get() + ")";
    }
}
