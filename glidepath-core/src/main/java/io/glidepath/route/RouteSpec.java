package io.glidepath.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
        Duration drainTimeout,
        Map<EndpointAddress, EndpointSettings> endpointSettings,
        HttpsPolicy https,
        Mirror mirror) {

    public static final int FULL_WEIGHT = 10_000;
    public static final String DEFAULT_OVERRIDE_HEADER = "X-Glidepath-Track";
    public static final String PREVIEW_KEY_HEADER = "X-Glidepath-Preview-Key";
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    /**
     * {@code health} and {@code drainTimeout} are the route's defaults, for endpoints without
     * {@code endpointSettings} of their own. Settings of an address no track holds mean nothing: they
     * are not written ({@link RouteJson}) and {@link #without} drops them.
     */
    public RouteSpec {
        stable = List.copyOf(stable);
        canary = List.copyOf(canary);
        preview = List.copyOf(preview);
        endpointSettings = Collections.unmodifiableMap(new LinkedHashMap<>(endpointSettings));
        https = https == null ? HttpsPolicy.none() : https;
        mirror = mirror == null ? Mirror.none() : mirror;
        if (canaryWeight < 0 || canaryWeight > FULL_WEIGHT) {
            throw new IllegalArgumentException("canary weight " + canaryWeight + " is outside 0..10000");
        }
    }

    /** A route that mirrors nothing. */
    public RouteSpec(String name, RouteMatch match, List<EndpointAddress> stable, List<EndpointAddress> canary, List<EndpointAddress> preview,
                     int canaryWeight, Stickiness sticky, String overrideHeader, boolean shield, HealthCheck health, Duration drainTimeout,
                     Map<EndpointAddress, EndpointSettings> endpointSettings, HttpsPolicy https) {
        this(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings, https,
                Mirror.none());
    }

    /** A route with no HTTPS policy (plain HTTP requests are served, no HSTS header). */
    public RouteSpec(String name, RouteMatch match, List<EndpointAddress> stable, List<EndpointAddress> canary, List<EndpointAddress> preview,
                     int canaryWeight, Stickiness sticky, String overrideHeader, boolean shield, HealthCheck health, Duration drainTimeout,
                     Map<EndpointAddress, EndpointSettings> endpointSettings) {
        this(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings,
                HttpsPolicy.none());
    }

    /** A route whose endpoints all use the route's health check and drain timeout. */
    public RouteSpec(String name, RouteMatch match, List<EndpointAddress> stable, List<EndpointAddress> canary, List<EndpointAddress> preview,
                     int canaryWeight, Stickiness sticky, String overrideHeader, boolean shield, HealthCheck health, Duration drainTimeout) {
        this(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, Map.of());
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
        return union(stable, canary, preview);
    }

    /** How this endpoint is checked: its own version's check, else the route's. */
    public HealthCheck healthOf(EndpointAddress a) {
        EndpointSettings s = endpointSettings.get(a);
        return s != null ? s.health() : health;
    }

    /** How long this endpoint's requests may take once it leaves the route: its own version's drain, else the route's. */
    public Duration drainTimeoutOf(EndpointAddress a) {
        EndpointSettings s = endpointSettings.get(a);
        return s != null ? s.drainTimeout() : drainTimeout;
    }

    /** This endpoint's settings as the route applies them (its own, else the route's defaults). */
    public EndpointSettings settingsOf(EndpointAddress a) {
        EndpointSettings s = endpointSettings.get(a);
        return s != null ? s : new EndpointSettings(health, drainTimeout);
    }

    public RouteSpec withMatch(RouteMatch m) {
        return new RouteSpec(name, m, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings, https, mirror);
    }

    public RouteSpec withStable(List<EndpointAddress> s) {
        return new RouteSpec(name, match, s, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings, https, mirror);
    }

    public RouteSpec withCanary(List<EndpointAddress> c) {
        return new RouteSpec(name, match, stable, c, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings, https, mirror);
    }

    public RouteSpec withPreview(List<EndpointAddress> p) {
        return new RouteSpec(name, match, stable, canary, p, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings, https, mirror);
    }

    public RouteSpec withCanaryWeight(int w) {
        return new RouteSpec(name, match, stable, canary, preview, w, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings, https, mirror);
    }

    public RouteSpec withSticky(Stickiness s) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, s, overrideHeader, shield, health, drainTimeout, endpointSettings, https, mirror);
    }

    public RouteSpec withShield(boolean on) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, on, health, drainTimeout, endpointSettings, https, mirror);
    }

    public RouteSpec withHealth(HealthCheck h) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, h, drainTimeout, endpointSettings, https, mirror);
    }

    public RouteSpec withDrainTimeout(Duration d) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, d, endpointSettings, https, mirror);
    }

    public RouteSpec withEndpointSettings(Map<EndpointAddress, EndpointSettings> s) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, s, https, mirror);
    }

    /** Whether plain HTTP is redirected to HTTPS, and the HSTS header on HTTPS responses. */
    public RouteSpec withHttps(HttpsPolicy h) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings, h, mirror);
    }

    /** Copies of a share of its requests to the canary's endpoints ({@link Mirror}). */
    public RouteSpec withMirror(Mirror m) {
        return new RouteSpec(name, match, stable, canary, preview, canaryWeight, sticky, overrideHeader, shield, health, drainTimeout, endpointSettings,
                https, m);
    }

    /** This spec without the given endpoints in any track (their settings go with them). */
    public RouteSpec without(Set<EndpointAddress> gone) {
        Map<EndpointAddress, EndpointSettings> kept = new LinkedHashMap<>(endpointSettings);
        kept.keySet().removeAll(gone);
        return new RouteSpec(name, match, minus(stable, gone), minus(canary, gone), minus(preview, gone), canaryWeight, sticky, overrideHeader,
                shield, health, drainTimeout, kept, https, mirror);
    }

    private static List<EndpointAddress> minus(List<EndpointAddress> list, Set<EndpointAddress> gone) {
        List<EndpointAddress> kept = new ArrayList<>(list);
        kept.removeAll(gone);
        return kept;
    }

    private static Set<EndpointAddress> union(List<EndpointAddress> a, List<EndpointAddress> b, List<EndpointAddress> c) {
        Set<EndpointAddress> all = new LinkedHashSet<>(a);
        all.addAll(b);
        all.addAll(c);
        return all;
    }
}
