package io.glidepath.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the router should do with one route: which requests it takes, where each track's endpoints are,
 * how much traffic the canary gets (basis points, 0..10000) and the policies around it. Immutable; the
 * {@code withX} methods return changed copies.
 */
public record RouteSpec(
        String name,
        RouteMatch match,
        List<EndpointAddress> stable,
        List<EndpointAddress> canary,
        List<EndpointAddress> preview,
        int canaryWeight,
        Stickiness sticky,
        String overrideHeader,
        boolean shield,
        HealthCheck health,
        Duration drainTimeout) {

    public static final int FULL_WEIGHT = 10_000;
    public static final String DEFAULT_OVERRIDE_HEADER = "X-Glidepath-Track";
    public static final String PREVIEW_KEY_HEADER = "X-Glidepath-Preview-Key";
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public RouteSpec {
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
        preview = List.copyOf(preview);
        if (canaryWeight < 0 || canaryWeight > FULL_WEIGHT) {
            throw new IllegalArgumentException("canary weight " + canaryWeight + " is outside 0..10000");
        }
    }

    /** A route with defaults: any host, path "/", cookie stickiness, shield on, TCP health checks. */
    public static RouteSpec of(String name, RouteMatch match, List<EndpointAddress> stable) {
        return new RouteSpec(name, match, stable, List.of(), List.of(), 0, Stickiness.cookie(),
                DEFAULT_OVERRIDE_HEADER, true, HealthCheck.tcpDefault(), DEFAULT_DRAIN_TIMEOUT);
    }

    public List<EndpointAddress> endpoints(Track track) {
        return switch (track) {
            case STABLE -> stable;
            case CANARY -> canary;
            case PREVIEW -> preview;
        };
    }

    /** Every endpoint of every track, without repeats, in track order. */
    public Set<EndpointAddress> allEndpoints() {
        Set<EndpointAddress> all = new LinkedHashSet<>(stable);
        all.addAll(canary);
        all.addAll(preview);
        return all;
    }

    public RouteSpec withMatch(RouteMatch m) {
        return new RouteSpec(name, m, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout);
    }

    public RouteSpec withStable(List<EndpointAddress> s) {
        return new RouteSpec(name, match, s, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout);
    }

    public RouteSpec withCanary(List<EndpointAddress> c) {
        return new RouteSpec(name, match, stable, c, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout);
    }

    public RouteSpec withPreview(List<EndpointAddress> p) {
        return new RouteSpec(name, match, stable, canary, p, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout);
    }

    public RouteSpec withCanaryWeight(int w) {
        return new RouteSpec(name, match, stable, canary, preview, w, sticky, overrideHeader, shield, health, drainTimeout);
    }

    public RouteSpec withSticky(Stickiness s) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, s, overrideHeader, shield, health, drainTimeout);
    }

    public RouteSpec withHealth(HealthCheck h) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, h, drainTimeout);
    }

    public RouteSpec withDrainTimeout(Duration d) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, d);
    }

    /** This spec without the given endpoints in any track. */
    public RouteSpec without(Set<EndpointAddress> gone) {
        return withStable(minus(stable, gone)).withCanary(minus(canary, gone)).withPreview(minus(preview, gone));
    }

    private static List<EndpointAddress> minus(List<EndpointAddress> list, Set<EndpointAddress> gone) {
        List<EndpointAddress> kept = new ArrayList<>(list);
        kept.removeAll(gone);
        return kept;
    }
}
