package io.glidepath.server;

import io.glidepath.engine.Outcome;
import io.glidepath.engine.ReleaseEvent;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a starting server does with releases a previous server left unfinished: it puts each of
 * their services back on its recorded version (the store changes a service's version only after a
 * promotion has been watched), in one route update per service, then stops the instances of any
 * other version. Conservative on purpose; resuming where the journal proves it safe comes with
 * full crash recovery. The journal is kept and continued. Releases still queued (never started)
 * end CANCELLED.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final Store store;
    private final Platform platform;
    private final TrafficRouter router;
    private final Clock clock;

    Recovery(Store store, Platform platform, TrafficRouter router, Clock clock) {
        this.store = store;
        this.platform = platform;
        this.router = router;
        this.clock = clock;
    }

    void rollBackUnfinished() {
        for (ReleaseRecord r : store.releases(1000)) {
            if (r.isFinished()) {
                continue;
            }
            if (neverStarted(r)) {
                String reason = "the server stopped while it waited in the queue; nothing was deployed";
                store.updateRelease(r.finish(Outcome.CANCELLED, reason, clock.now()));
                store.append(r.id(), new ReleaseEvent.Finished(clock.now(), null, "release " + r.id() + " cancelled: " + reason, Outcome.CANCELLED));
                continue;
            }
            log.warn("release {} was left unfinished by a stopped server: rolling it back", r.id());
            store.append(r.id(), new ReleaseEvent.Note(clock.now(), null, "the server restarted while this release ran: rolling it back"));
            for (String service : r.services()) {
                restore(r, service);
            }
            String reason = "the server stopped while the release ran; every service is back on its previous version";
            store.updateRelease(r.finish(Outcome.ROLLED_BACK, reason, clock.now()));
            store.unlock(r.services(), r.id());
            store.append(r.id(), new ReleaseEvent.Finished(clock.now(), null, "release " + r.id() + " rolled back: " + reason, Outcome.ROLLED_BACK));
        }
    }

    /** A queued release's journal has no Submitted event until it starts. */
    private boolean neverStarted(ReleaseRecord r) {
        return store.events(r.id(), 0).stream().noneMatch(e -> e.event() instanceof ReleaseEvent.Submitted);
    }

    private void restore(ReleaseRecord r, String service) {
        Optional<String> version = store.service(service).map(ServiceRecord::currentVersion);
        List<Instance> live = platform.list(service);
        List<Instance> keep = live.stream().filter(i -> version.filter(i.version()::equals).isPresent()).toList();
        List<Instance> drop = live.stream().filter(i -> !keep.contains(i)).toList();
        try {
            Optional<RouteState> current = router.current(service);
            if (keep.isEmpty()) {
                router.remove(service);
            } else if (current.isPresent()) {
                RouteSpec s = current.get().spec();
                List<EndpointAddress> stable = keep.stream().map(Instance::address).toList();
                router.apply(s.withStable(stable).withCanary(List.of()).withPreview(List.of()).withCanaryWeight(0), OptionalLong.empty());
            }
            store.append(r.id(), new ReleaseEvent.TrafficRestored(clock.now(), service, version.map(v -> "all traffic back on " + v)
                    .orElse("route removed: " + service + " had no previous version"), 0));
        } catch (TrafficException | StaleRouteException e) {
            store.append(r.id(), new ReleaseEvent.Note(clock.now(), service, "could not restore the route: " + e.getMessage()));
        }
        for (Instance i : drop) {
            platform.stop(i, Duration.ofSeconds(10));
        }
        if (!drop.isEmpty()) {
            store.append(r.id(), new ReleaseEvent.InstancesStopped(clock.now(), service, "stopped " + drop.size() + " instances left by the release",
                    drop.get(0).version(), drop.stream().map(Instance::id).toList()));
        }
    }
}
