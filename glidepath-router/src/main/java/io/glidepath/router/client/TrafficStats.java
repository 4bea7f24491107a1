package io.glidepath.router.client;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.HdrHistogram.Histogram;
import java.util.OptionalLong;

/**
 * Figures of one track or endpoint over a window, as the router's stats endpoint reports them;
 * {@code slowerThan} holds how many requests took longer than each duration the call asked about.
 * {@code firstClientErrors}, on a sticky split's stable and canary only, counts the clients whose first
 * 5xx since the canary began came in the window; empty elsewhere, and when the router's ledger of
 * clients filled up (it would count short). {@code latency}, when the call asked for it, is the
 * window's latency histogram (microseconds): the sum of several replicas' figures is read from their
 * histograms added up, never from their percentiles.
 */
public record TrafficStats(long requests, double errorRate, long status2xx, long status4xx, long status5xx,
                           long connectFailures, long shielded, long cut,
                           double p50Millis, double p90Millis, double p99Millis, double maxMillis, Map<Double, Double> latencyAt,
                           Map<Duration, Long> slowerThan, OptionalLong firstClientErrors,
                           Optional<Histogram> latency) {

    public TrafficStats {
        latencyAt = Map.copyOf(latencyAt);
        slowerThan = Map.copyOf(slowerThan);
    }
}
