package io.glidepath.analysis;

import java.time.Duration;
import java.util.Set;

/** Per-track figures of a route: the embedded router's stats first, Prometheus later. */
public interface MetricSource {

    /** The last {@code window} of traffic, with latency at each of {@code percentiles} (such as 99). */
    TrafficWindow window(String route, Duration window, Set<Double> percentiles) throws MetricsUnavailableException;
}
