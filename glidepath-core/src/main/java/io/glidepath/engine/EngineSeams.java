package io.glidepath.engine;

import io.glidepath.analysis.Judge;
import io.glidepath.analysis.MetricSource;
import io.glidepath.migration.Migrations;
import io.glidepath.platform.Platform;
import io.glidepath.probe.Prober;
import io.glidepath.time.Clock;
import io.glidepath.traffic.TrafficRouter;

/**
 * What the engine needs from the outside, each behind its seam; engine tests give in-memory ones.
 * {@code metrics} chooses each service's source of figures (the router's, or Prometheus when its release
 * file says so), {@code judges} its judge, {@code migrations} runs the release's database migrations.
 */
public record EngineSeams(Platform platform, TrafficRouter router, MetricSource.Factory metrics, Prober prober, Judge.Factory judges, Clock clock,
                          Migrations migrations) {

    /** The seams of an engine that migrates no database. */
    public EngineSeams(Platform platform, TrafficRouter router, MetricSource.Factory metrics, Prober prober, Judge.Factory judges, Clock clock) {
        this(platform, router, metrics, prober, judges, clock, Migrations.none());
    }

    /** The seams with each service judged as its release file says. */
    public EngineSeams(Platform platform, TrafficRouter router, MetricSource.Factory metrics, Prober prober, Clock clock) {
        this(platform, router, metrics, prober, Judge.byReleaseFile(), clock);
    }

    /** One source of figures for every service, each service judged as its release file says. */
    public EngineSeams(Platform platform, TrafficRouter router, MetricSource metrics, Prober prober, Clock clock) {
        this(platform, router, MetricSource.Factory.always(metrics), prober, Judge.byReleaseFile(), clock);
    }
}
