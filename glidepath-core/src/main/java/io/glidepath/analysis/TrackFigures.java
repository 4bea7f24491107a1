package io.glidepath.analysis;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One track's traffic over a window: requests, 5xx answers, latency at the asked percentiles, how
 * many requests took longer than each asked duration, and the asked figures of the service's own
 * ({@code metric} rules) by name. A figure the source could not give is absent from its map.
 *
 * <p>On a sticky split, {@code firstClientErrors} counts the clients whose first 5xx since the canary
 * began came in this window: each client once, however many requests it sends. Requests of one client
 * are not independent of each other (a heavy client with a flaky account errs on whichever track it
 * keeps), clients are: a sticky split assigns clients to tracks at random.
 */
public record TrackFigures(long requests, long errors, Map<Double, Double> latencyMillis, Map<Duration, Long> slowerThan,
                           Map<String, Double> metrics, OptionalLong firstClientErrors) {

    public TrackFigures {
        latencyMillis = Map.copyOf(latencyMillis);
        slowerThan = Map.copyOf(slowerThan);
        metrics = Map.copyOf(metrics);
    }

    /** Figures that do not count clients. */
    public TrackFigures(long requests, long errors, Map<Double, Double> latencyMillis, Map<Duration, Long> slowerThan,
                        Map<String, Double> metrics) {
        this(requests, errors, latencyMillis, slowerThan, metrics, OptionalLong.empty());
    }

    /** Figures with none of the service's own. */
    public TrackFigures(long requests, long errors, Map<Double, Double> latencyMillis, Map<Duration, Long> slowerThan) {
        this(requests, errors, latencyMillis, slowerThan, Map.of());
    }

    /** Figures with no slow-request counts (none were asked). */
    public TrackFigures(long requests, long errors, Map<Double, Double> latencyMillis) {
        this(requests, errors, latencyMillis, Map.of());
    }

    public static TrackFigures none() {
        return new TrackFigures(0, 0, Map.of());
    }

    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }
}
