package io.glidepath.analysis;

import java.time.Duration;
import java.util.Set;

/**
 * What a judge asks of one window of traffic: latency at these percentiles (such as 99), how many
 * requests took longer than each of these durations (a sequential judge counts slow requests above a
 * threshold it chose before the window, such as stable's own trailing p99), and the service's own
 * figures by name ({@code metric} rules, read from Prometheus).
 */
public record MetricQuery(Duration window, Set<Double> percentiles, Set<Duration> slowerThan, Set<String> metrics) {

    public MetricQuery {
        percentiles = Set.copyOf(percentiles);
        slowerThan = Set.copyOf(slowerThan);
        metrics = Set.copyOf(metrics);
    }

    /** Asking for none of the service's own figures. */
    public MetricQuery(Duration window, Set<Double> percentiles, Set<Duration> slowerThan) {
        this(window, percentiles, slowerThan, Set.of());
    }

    public static MetricQuery of(Duration window, Set<Double> percentiles) {
        return new MetricQuery(window, percentiles, Set.of());
    }
}
