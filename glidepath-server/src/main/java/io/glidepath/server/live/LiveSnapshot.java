package io.glidepath.server.live;

import io.glidepath.journal.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The releases in progress at one moment, as the dashboard draws them: each service's wave, phase
 * and version, its route as the router has it, and stable vs canary traffic over the last
 * {@code window}.
 */
public record LiveSnapshot(Instant at, Duration window, List<Release> releases) {

    public LiveSnapshot {
        releases = List.copyOf(releases);
    }

    /** A running or queued release; {@code queuedBehind} is null unless it is queued. */
    public record Release(String id, State state, String submittedBy, Instant submitted, String queuedBehind, List<Service> services) {
        public Release {
            services = List.copyOf(services);
        }
    }

    public enum State { RUNNING, QUEUED, AWAITING_APPROVAL }

    /**
     * One service of a release. {@code route} is null while the service has no route yet (its first
     * deployment before traffic), {@code stable} too; {@code canary} is null while no canary takes
     * traffic.
     */
    public record Service(String name, int wave, Phase phase, String version, Route route, Rates stable, Rates canary) {
    }

    /** Who serves the route and the canary's share of it, in basis points (10000 = 100%), as the API writes weights. */
    public record Route(String stableVersion, String canaryVersion, int canaryWeight) {
    }

    /** One track's traffic over the window; {@code p99Millis} is null when it had no request. */
    public record Rates(long requests, double perSecond, double errorRate, Double p99Millis) {
    }
}
