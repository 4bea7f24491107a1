package io.glidepath.testkit.judge;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.TrackFigures;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** One track's traffic in one second: requests, 5xx answers and the requests' latencies. */
public record TrackSecond(long requests, long errors, Latencies latencies) {

    public TrackSecond {
        if (latencies.count() != requests || errors > requests || errors < 0) {
            throw new IllegalArgumentException("a second of " + requests + " requests with " + errors + " errors and " + latencies.count() + " latencies");
        }
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
        return new TrackFigures(requests, errors, at, slower);
    }

    static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }
}
