package io.glidepath.router.route;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.metrics.MetricSeries;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a route keeps across its generations: its endpoints by address (with their health, in-flight
 * counts and drains) and its per-track metrics. Outlives the route while its endpoints drain.
 */
public final class RouteRuntime {
    private final String name;
    private final long seed;
    private final Map<EndpointAddress, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<Track, MetricSeries> trackMetrics = new EnumMap<>(Track.class);

    public RouteRuntime(String name) {
        this.name = name;
        this.seed = TrackSplit.seed(name);
        for (Track t : Track.values()) {
            trackMetrics.put(t, MetricSeries.systemClock());
        }
    }

    public String name() {
        return name;
    }

    long seed() {
        return seed;
    }

    public MetricSeries metrics(Track track) {
        return trackMetrics.get(track);
    }

    /** The endpoint for this address, created on first use. */
    public Endpoint endpoint(EndpointAddress address) {
        return endpoints.computeIfAbsent(address, a -> new Endpoint(a, MetricSeries.systemClock()));
    }

    /** The endpoint for this address, or null when the route has none (never creates one). */
    public Endpoint find(EndpointAddress address) {
        return endpoints.get(address);
    }

    public Collection<Endpoint> endpoints() {
        return endpoints.values();
    }

    public void forget(EndpointAddress address) {
        endpoints.remove(address);
    }
}
