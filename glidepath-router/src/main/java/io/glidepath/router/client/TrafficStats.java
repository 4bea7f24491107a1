package io.glidepath.router.client;

import java.time.Duration;
import java.util.Map;

/**
 * Figures of one track or endpoint over a window, as the router's stats endpoint reports them;
 * {@code slowerThan} holds how many requests took longer than each duration the call asked about.
 */
public record TrafficStats(long requests, double errorRate, long status2xx, long status4xx, long status5xx,
                           long connectFailures, long shielded, long cut,
                           double p50Millis, double p90Millis, double p99Millis, double maxMillis, Map<Double, Double> latencyAt,
                           Map<Duration, Long> slowerThan) {

    public TrafficStats {
        latencyAt = Map.copyOf(latencyAt);
        slowerThan = Map.copyOf(slowerThan);
    }
}
