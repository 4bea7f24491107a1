package io.glidepath.analysis;

import java.util.Map;

/** One track's traffic over a window: requests, 5xx answers, and latency at the asked percentiles. */
public record TrackFigures(long requests, long errors, Map<Double, Double> latencyMillis) {

    public TrackFigures {
        latencyMillis = Map.copyOf(latencyMillis);
    }

    public static TrackFigures none() {
        return new TrackFigures(0, 0, Map.of());
    }

    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }
}
