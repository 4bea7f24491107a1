package io.glidepath.router.client;

import java.util.Map;

/** Figures of one track or endpoint over a window, as the router's stats endpoint reports them. */
public record TrafficStats(long requests, double errorRate, long status2xx, long status4xx, long status5xx,
                           long connectFailures, long shielded, long cut,
                           double p50Millis, double p90Millis, double p99Millis, double maxMillis, Map<Double, Double> latencyAt) {

    public TrafficStats {
        latencyAt = Map.copyOf(latencyAt);
    }
}
