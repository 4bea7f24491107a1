package io.glidepath.router.client;

import io.glidepath.analysis.ClientOutcome;
import io.glidepath.route.Track;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Per-track and per-endpoint figures of a route over a window. {@code tracks} hold the split's
 * requests (and the preview key's); requests the override header sent to stable or canary are in
 * {@code overridden}, and stable's answers in place of shielded canary failures in {@code shieldAnswers};
 * the canary's answers to copies mirrored to it in {@code shadow}.
 * On a sticky split, {@code clientShare} is the canary's share of clients (its weight over 10000).
 * {@code toSecond} is where the figures end (an epoch second, exclusive; 0 from a router that does not
 * say): ask on from it to read the seconds that follow, none twice. On a sticky split,
 * {@code revealedClients} are the split's clients revealed in the window ({@link ClientOutcome}); empty
 * from a router that does not reveal them.
 */
public record RouteStats(String route, long generation, int canaryWeight, int windowSeconds,
                         Map<Track, TrafficStats> tracks, Map<Track, TrafficStats> overridden, TrafficStats shieldAnswers,
                         Map<String, TrafficStats> endpoints, OptionalDouble clientShare, long toSecond, TrafficStats shadow,
                         Optional<List<ClientOutcome>> revealedClients) {

    public RouteStats {
        tracks = Map.copyOf(tracks);
        overridden = Map.copyOf(overridden);
        endpoints = Collections.unmodifiableMap(new LinkedHashMap<>(endpoints));
        revealedClients = revealedClients.map(List::copyOf);
    }

    /** Figures with no clients revealed. */
    public RouteStats(String route, long generation, int canaryWeight, int windowSeconds,
                      Map<Track, TrafficStats> tracks, Map<Track, TrafficStats> overridden, TrafficStats shieldAnswers,
                      Map<String, TrafficStats> endpoints, OptionalDouble clientShare, long toSecond, TrafficStats shadow) {
        this(route, generation, canaryWeight, windowSeconds, tracks, overridden, shieldAnswers, endpoints, clientShare, toSecond, shadow,
                Optional.empty());
    }

    public TrafficStats track(Track t) {
        return tracks.get(t);
    }

    /** Requests the override header sent to {@code t} (stable or canary). */
    public TrafficStats overridden(Track t) {
        return overridden.get(t);
    }
}
