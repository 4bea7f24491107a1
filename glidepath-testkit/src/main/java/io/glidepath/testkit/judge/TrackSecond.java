package io.glidepath.testkit.judge;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.TrackFigures;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One track's traffic in one second: requests, 5xx answers and the requests' latencies; on a sticky
 * split also the clients whose first error came in it, as the router counts them.
 */
public record TrackSecond(long requests, long errors, Latencies latencies, OptionalLong firstClientErrors) {

    public TrackSecond {
        if (latencies.count() != requests || errors > requests || errors < 0
                || firstClientErrors.isPresent() && (firstClientErrors.getAsLong() < 0 || firstClientErrors.getAsLong() > errors)) {
            throw new IllegalArgumentException("a second of " + requests + " requests with " + errors + " errors (" + firstClientErrors
                    + " clients' first) and " + latencies.count() + " latencies");
        }
    }

    public TrackSecond(long requests, long errors, Latencies latencies) {
        this(requests, errors, latencies, OptionalLong.empty());
    }

    /** The figures a judge asked for, as a metric source answers them. */
    public TrackFigures figures(MetricQuery q) {
        Map<Double, Double> at = new HashMap<>();
        for (double p : q.percentiles()) {
            at.put(p, latencies.percentile(p));
        }
        Map<Duration, Long> slower = new HashMap<>();
        for (Duration d : q.slowerThan()) {
            slower.put(d, latencies.slowerThan(millis(d)));
        }
        return new TrackFigures(requests, errors, at, slower, Map.of(), firstClientErrors);
    }

    static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }
}
