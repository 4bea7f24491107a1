package io.glidepath.analysis;


/** Per-track figures of a service's traffic: the embedded router's stats, or Prometheus. */
public interface MetricSource {

    /** The last {@code query.window()} of {@code target}'s traffic, stable and canary side by side. */
    TrafficWindow window(MetricTarget target, MetricQuery query) throws MetricsUnavailableException;
}
