package io.glidepath.router.client;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.route.Track;
import io.glidepath.router.metrics.SlowerThan;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine's {@link MetricSource} on the router's per-track stats. It reads the split's stable and
 * canary figures, which leave out requests the override header pinned and stable's answers in place
 * of shielded canary failures (docs/router.md, "What the per-track figures count"). On a sticky split
 * it also reads the canary's share of clients and each track's clients' first errors, so that a judge
 * can count clients, which the split randomizes, instead of requests, which are not independent.
 */
public final class RouterMetricSource implements MetricSource {
    private final RouterAdminClient admin;

    public RouterMetricSource(RouterAdminClient admin) {
        this.admin = admin;
    }

    @Override
    public TrafficWindow window(MetricTarget target, MetricQuery query) throws MetricsUnavailableException {
        try {
            RouteStats stats = admin.stats(target.service(), query.window(), List.copyOf(query.percentiles()), query.slowerThan());
            return new TrafficWindow(query.window(), figures(stats.track(Track.STABLE), query.slowerThan()),
                    figures(stats.track(Track.CANARY), query.slowerThan()), stats.clientShare());
        } catch (RouterAdminException e) {
            throw new MetricsUnavailableException(e.getMessage(), e);
        }
    }

    private static TrackFigures figures(TrafficStats t, Set<Duration> slowerThan) throws MetricsUnavailableException {
        Map<Double, Double> latency = new HashMap<>(t.latencyAt());
        latency.putIfAbsent(99.0, t.p99Millis());
        for (Duration d : slowerThan) {
            if (!t.slowerThan().containsKey(d)) {
                // a router older than this client ignores the parameter: a judge must not read "none" into that
                throw new MetricsUnavailableException("the router did not count requests slower than " + SlowerThan.key(d)
                        + "; it is older than this server: restart it from the same Glidepath version", null);
            }
        }
        return new TrackFigures(t.requests(), t.status5xx(), latency, t.slowerThan(), Map.of(), t.firstClientErrors());
    }
}
