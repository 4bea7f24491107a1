package io.glidepath.engine.internal;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.route.EndpointAddress;
import io.glidepath.time.Clock;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The way out, written once: instances that left their route drain (the router's in-flight count
 * for them reaches 0, or their drain timeout passes), then stop, all at once. Used for a rollback's
 * new instances, a kept-warm version's retirement, and a restarted server's recovery alike, with
 * one set of timings.
 */
public final class Retirement {
    /** How often in-flight requests are read while draining. */
    public static final Duration DRAIN_POLL = Duration.ofMillis(50);
    /** Past the drain timeout the router cuts what is left; this much later the instances stop regardless. */
    public static final Duration DRAIN_MARGIN = Duration.ofSeconds(1);
    /** The stop grace (SIGTERM to SIGKILL) when the release file that started an instance no longer reads. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

    private final TrafficRouter router;
    private final Platform platform;
    private final Clock clock;

    public Retirement(TrafficRouter router, Platform platform, Clock clock) {
        this.router = router;
        this.platform = platform;
        this.clock = clock;
    }

    /**
     * Waits for the requests in flight on {@code leaving} to end (at most {@code drainTimeout} plus
     * {@link #DRAIN_MARGIN}), then stops them, each with {@code stopGrace}; journals the stop with
     * {@code message}. Never throws: when the router cannot say what is in flight (it is down, so
     * nothing flows through it to them), they stop at once.
     */
    public void drainThenStop(String service, List<Instance> leaving, Duration drainTimeout, Duration stopGrace, String message, EventSink events) {
        if (leaving.isEmpty()) {
            return;
        }
        awaitDrained(service, leaving, drainTimeout, events);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            leaving.forEach(i -> ex.submit(() -> platform.stop(i, stopGrace)));
        }
        events.emit(new ReleaseEvent.InstancesStopped(clock.now(), service, message, leaving.get(0).version(),
                leaving.stream().map(Instance::id).toList()));
    }

    private void awaitDrained(String service, List<Instance> leaving, Duration drainTimeout, EventSink events) {
        Set<EndpointAddress> addresses = Set.copyOf(leaving.stream().map(Instance::address).toList());
        Instant deadline = clock.now().plus(drainTimeout).plus(DRAIN_MARGIN);
        try {
            while (clock.now().isBefore(deadline)) {
                Map<EndpointAddress, Integer> inflight = router.inflight(service);
                if (addresses.stream().mapToInt(a -> inflight.getOrDefault(a, 0)).sum() == 0) {
                    return;
                }
                clock.sleep(DRAIN_POLL);
            }
        } catch (TrafficException e) {
            events.emit(new ReleaseEvent.Note(clock.now(), service, "could not read in-flight requests (" + e.getMessage()
                    + "); stopping them now"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the engine is closing: stop them now
        }
    }
}
