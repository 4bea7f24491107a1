package io.glidepath.router.client;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.route.Track;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The engine's {@link MetricSource} on the router's per-track stats. */
public final class RouterMetricSource implements MetricSource {
    private final RouterAdminClient admin;

    public RouterMetricSource(RouterAdminClient admin) {
        this.admin = admin;
    }

    @Override
    public TrafficWindow window(MetricTarget target, MetricQuery query) throws MetricsUnavailableException {
        try {
            RouteStats stats = admin.stats(target.service(), query.window(), List.copyOf(query.percentiles()));
            return new TrafficWindow(query.window(), figures(stats.track(Track.STABLE)), figures(stats.track(Track.CANARY)));
        } catch (RouterAdminException e) {
            throw new MetricsUnavailableException(e.getMessage(), e);
        }
    }

    private static TrackFigures figures(TrafficStats t) {
        Map<Double, Double> latency = new HashMap<>(t.latencyAt());
        latency.putIfAbsent(99.0, t.p99Millis());
        return new TrackFigures(t.requests(), t.status5xx(), latency);
    }
}
