package io.glidepath.server.live;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.engine.Engine;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteState;
import io.glidepath.time.Clock;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the releases in progress from the engine, each service's route from the router (the weight
 * users really get, not the one the engine meant), which version each track runs from the
 * platform's instances, and stable vs canary figures over the last {@link #WINDOW} through the
 * same {@link MetricSource} the analysis uses.
 */
public final class LiveBoard implements LiveSource {
    private static final Logger log = LoggerFactory.getLogger(LiveBoard.class);
    /** Long enough to smooth a one-second blip and hold a p99 worth the name, short enough that a chart reacts within a second or two. */
    public static final Duration WINDOW = Duration.ofSeconds(5);
    private static final Set<Double> PERCENTILES = Set.of(99.0);

    private final Engine engine;
    private final TrafficRouter router;
    private final Platform platform;
    private final MetricSource metrics;
    private final Clock clock;

    public LiveBoard(Engine engine, TrafficRouter router, Platform platform, MetricSource metrics, Clock clock) {
        this.engine = engine;
        this.router = router;
        this.platform = platform;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public LiveSnapshot read() {
        List<LiveSnapshot.Release> releases = new ArrayList<>();
        for (Engine.InProgress p : engine.inProgress()) {
            String id = p.record().id();
            List<LiveSnapshot.Service> services = new ArrayList<>();
            for (Engine.ServiceInProgress s : p.services()) {
                services.add(p.queued() ? new LiveSnapshot.Service(s.name(), s.wave(), s.phase(), s.version(), null, null, null) : running(s));
            }
            releases.add(new LiveSnapshot.Release(id, p.queued() ? LiveSnapshot.State.QUEUED : p.approvalDeadline().isPresent() ? LiveSnapshot.State.AWAITING_APPROVAL : LiveSnapshot.State.RUNNING, p.record().submittedBy(),
                    p.record().submitted(), p.queued() ? engine.queuedBehind(id).orElse(null) : null, services));
        }
        return new LiveSnapshot(clock.now(), WINDOW, releases);
    }

    private LiveSnapshot.Service running(Engine.ServiceInProgress s) {
        Optional<RouteState> route;
        try {
            route = router.current(s.name());
        } catch (TrafficException e) {
            log.debug("no route for the live view of {}: {}", s.name(), e.getMessage());
            route = Optional.empty();
        }
        if (route.isEmpty()) {
            return new LiveSnapshot.Service(s.name(), s.wave(), s.phase(), s.version(), null, null, null);
        }
        List<Instance> live = platform.list(s.name());
        var spec = route.get().spec();
        LiveSnapshot.Route r = new LiveSnapshot.Route(versionOf(spec.stable(), live), versionOf(spec.canary(), live), spec.canaryWeight());
        LiveSnapshot.Rates stable = null;
        LiveSnapshot.Rates canary = null;
        try {
            TrafficWindow w = metrics.window(MetricTarget.of(s.name()), MetricQuery.of(WINDOW, PERCENTILES));
            stable = rates(w.stable());
            canary = spec.canary().isEmpty() ? null : rates(w.canary());
        } catch (MetricsUnavailableException e) {
            log.debug("no figures for the live view of {}: {}", s.name(), e.getMessage());
        }
        return new LiveSnapshot.Service(s.name(), s.wave(), s.phase(), s.version(), r, stable, canary);
    }

    private static LiveSnapshot.Rates rates(TrackFigures f) {
        Double p99 = f.requests() == 0 ? null : f.latencyMillis().get(99.0);
        return new LiveSnapshot.Rates(f.requests(), f.requests() / (double) WINDOW.toSeconds(), f.errorRate(), p99);
    }

    /** The versions the platform runs at these addresses (an address it does not know stands for itself); null for none. */
    private static String versionOf(List<EndpointAddress> endpoints, List<Instance> live) {
        if (endpoints.isEmpty()) {
            return null;
        }
        return endpoints.stream().map(e -> live.stream().filter(i -> i.address().equals(e)).map(Instance::version).findFirst().orElse(e.toString()))
                .distinct().collect(Collectors.joining(","));
    }
}
