package io.glidepath.engine;

import io.glidepath.analysis.Judge;
import io.glidepath.analysis.MetricSource;
import io.glidepath.platform.Platform;
import io.glidepath.probe.Prober;
import io.glidepath.time.Clock;
import io.glidepath.traffic.TrafficRouter;

/** What the engine needs from the outside, each behind its seam; engine tests give in-memory ones. */
public record EngineSeams(Platform platform, TrafficRouter router, MetricSource metrics, Prober prober, Judge.Factory judges, Clock clock) {

    /** The seams with each service judged as its release file says. */
    public EngineSeams(Platform platform, TrafficRouter router, MetricSource metrics, Prober prober, Clock clock) {
        this(platform, router, metrics, prober, Judge.byReleaseFile(), clock);
    }
}
