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
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The engine's {@link MetricSource} on the router's per-track stats. It reads the split's stable and
 * canary figures, which leave out requests the override header pinned and stable's answers in place
 * of shielded canary failures (docs/router.md, "What the per-track figures count"). On a sticky split
 * it also reads the canary's share of clients and each track's clients' first errors, so that a judge
 * can count clients, which the split randomizes, instead of requests, which are not independent; and
 * the clients it revealed in the window, for a judge that bets on each client's track.
 *
 * <p>Consecutive windows of a route never overlap: each read goes on from the second the last one
 * ended ({@code from=}), whole seconds only, so no request is counted twice. (The last {@code window}
 * with the second still running would hold part of that second twice, in this read and the next: a
 * sequential judge that counts an event twice spends more than its alpha.) The first read of a route,
 * or one more than three windows and two seconds after the last (another deployment's), takes the
 * last {@code window}. A read that finds no whole second since the last (the engine's sleep was cut
 * short) waits for the running one to end, at most about a second: a window of no time is no verdict.
 * That is the judge's source; a view of the last {@code window} (the dashboard) takes
 * {@link #lastWindow}, which never moves the judge's place.
 */
public final class RouterMetricSource implements MetricSource {
    /** Where a route's last read ended (the router's epoch second) and when it was read (this JVM's nanoTime). */
    private record Cursor(long toSecond, long readAtNanos) {
    }

    /** How long a read that found no whole second since the last waits for one, at most: polls of 100 ms. */
    private static final Duration WHOLE_SECOND_POLL = Duration.ofMillis(100);
    private static final int WHOLE_SECOND_WAITS = 12;

    private final RouterAdminClient admin;
    /** Null for a view of the last window; else where each route's last read ended. */
    private final ConcurrentMap<String, Cursor> cursors;

    /** The judge's source: each read goes on from where the last one of the route ended. */
    public RouterMetricSource(RouterAdminClient admin) {
        this(admin, new ConcurrentHashMap<>());
    }

    private RouterMetricSource(RouterAdminClient admin, ConcurrentMap<String, Cursor> cursors) {
        this.admin = admin;
        this.cursors = cursors;
    }

    /** A view's source: every read is the last {@code window}, the running second included. */
    public static RouterMetricSource lastWindow(RouterAdminClient admin) {
        return new RouterMetricSource(admin, null);
    }

    @Override
    public TrafficWindow window(MetricTarget target, MetricQuery query) throws MetricsUnavailableException {
        Read r = read(target, query, false);
        RouteStats stats = r.stats();
        if (target.shadow()) {
            // the copies mirrored to the canary: no split by client, so no client share
            return new TrafficWindow(r.covered(), figures(stats.track(Track.STABLE), query.slowerThan()), figures(stats.shadow(), query.slowerThan()),
                    java.util.OptionalDouble.empty());
        }
        return new TrafficWindow(r.covered(), figures(stats.track(Track.STABLE), query.slowerThan()),
                figures(stats.track(Track.CANARY), query.slowerThan()), stats.clientShare(), stats.revealedClients());
    }

    /** One read of a route's figures, and how much time it covers. */
    record Read(RouteStats stats, Duration covered) {
    }

    /** The next window of {@code target}'s route; with {@code histograms}, the tracks' latency histograms too. */
    Read read(MetricTarget target, MetricQuery query, boolean histograms) throws MetricsUnavailableException {
        try {
            String route = target.service();
            Cursor last = cursors == null ? null : cursors.get(route);
            long now = System.nanoTime();
            long resumeWithin = 3 * query.window().toNanos() + 2_000_000_000L;
            OptionalLong from = last != null && now - last.readAtNanos() <= resumeWithin ? OptionalLong.of(last.toSecond()) : OptionalLong.empty();
            RouteStats stats = admin.stats(route, query.window(), from, List.copyOf(query.percentiles()), query.slowerThan(), histograms);
            // read again within the same second (a wakeup cut the engine's sleep short): wait for the running second to be whole
            for (int waited = 0; from.isPresent() && stats.windowSeconds() == 0 && waited < WHOLE_SECOND_WAITS; waited++) {
                Thread.sleep(WHOLE_SECOND_POLL.toMillis());
                stats = admin.stats(route, query.window(), from, List.copyOf(query.percentiles()), query.slowerThan(), histograms);
            }
            if (cursors != null && stats.toSecond() > 0) {
                cursors.put(route, new Cursor(stats.toSecond(), now));
            }
            return new Read(stats, from.isPresent() ? Duration.ofSeconds(stats.windowSeconds()) : query.window());
        } catch (RouterAdminException e) {
            throw new MetricsUnavailableException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetricsUnavailableException("interrupted while waiting for the router's running second to be whole", e);
        }
    }

    static TrackFigures figures(TrafficStats t, Set<Duration> slowerThan) throws MetricsUnavailableException {
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
