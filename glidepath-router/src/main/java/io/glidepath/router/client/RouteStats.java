package io.glidepath.router.client;

import io.glidepath.route.Track;
import java.util.Map;

/** Per-track and per-endpoint figures of a route over a window. */
public record RouteStats(String route, long generation, int canaryWeight, int windowSeconds,
                         Map<Track, TrafficStats> tracks, Map<String, TrafficStats> endpoints) {

    public TrafficStats track(Track t) {
        return tracks.get(t);
    }
}
