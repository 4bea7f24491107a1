package io.glidepath.engine.internal;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.route.RouteSpec;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The way back, step one, written once: a service's traffic goes back to its previous version in
 * one router update (the route it had before, never waiting on the failing version), or its route
 * goes when it had no previous version. Used by a deployment rolling itself back, by a release
 * flipping its promoted services back, and by a restarted server's recovery alike. It journals the
 * time from the decision ({@code trafficRestored}) and the route as set ({@code traffic}).
 */
public final class TrafficRollback {
    private final TrafficRouter router;
    private final Clock clock;

    public TrafficRollback(TrafficRouter router, Clock clock) {
        this.router = router;
        this.clock = clock;
    }

    /**
     * Puts {@code service} back on {@code previousVersion} with {@code route}, or removes its route
     * when {@code route} is empty. Returns the route's new generation (0 when removed), or empty when
     * the router refused or could not be reached (journaled as a note: the caller goes on, traffic
     * first having been tried).
     */
    public OptionalLong restore(String service, Optional<String> previousVersion, Optional<RouteSpec> route, Instant decided, EventSink events) {
        try {
            long generation = 0;
            if (route.isPresent()) {
                generation = router.apply(route.get(), OptionalLong.empty()).generation();
            } else {
                router.remove(service);
            }
            long ms = clock.since(decided).toMillis();
            events.emit(new ReleaseEvent.TrafficRestored(clock.now(), service, previousVersion
                    .map(v -> "all traffic back on " + v + " " + ms + " ms after the decision")
                    .orElse("route removed: " + service + " had no previous version (" + ms + " ms after the decision)"), ms));
            events.emit(new ReleaseEvent.TrafficChanged(clock.now(), service, "route: stable " + previousVersion.orElse("(none)"),
                    previousVersion.orElse(null), null, 0, generation));
            return OptionalLong.of(generation);
        } catch (TrafficException | StaleRouteException e) {
            events.emit(new ReleaseEvent.Note(clock.now(), service, "could not restore the route: " + e.getMessage()));
            return OptionalLong.empty();
        }
    }
}
