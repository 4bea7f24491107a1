package io.glidepath.router.client;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.route.Track;
import io.glidepath.router.metrics.SlowerThan;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The engine's {@link MetricSource} over several router replicas serving one route at once (the
 * router in a Kubernetes cluster): the sum of their figures, since each replica sees only its share
 * of users. Counts add up (requests, 5xx, requests slower than each limit); percentiles are read from
 * the replicas' latency histograms added up, never from their percentiles averaged (the p99 of two
 * replicas is not the mean of their p99s). Each replica is read on from where its own last read
 * ended, as {@link RouterMetricSource} reads one router, so no request is counted twice.
 *
 * <p>A replica that does not answer makes the window unavailable (the engine journals it as
 * inconclusive) rather than a sum that leaves its users out. On a sticky split the clients' first
 * errors add up too; a client whose requests reach two replicas can be counted once by each (each
 * replica keeps its own ledger), on either track alike (docs/kubernetes.md).
 */
public final class ReplicaMetricSource implements MetricSource {
    private final Supplier<List<RouterAdminClient>> replicas;
    private final boolean lastWindow;
    private final ConcurrentMap<URI, RouterMetricSource> sources = new ConcurrentHashMap<>();

    private ReplicaMetricSource(Supplier<List<RouterAdminClient>> replicas, boolean lastWindow) {
        this.replicas = replicas;
        this.lastWindow = lastWindow;
    }

    /** The judge's source over the replicas {@code replicas} lists at each read (the ready ones). */
    public static ReplicaMetricSource of(Supplier<List<RouterAdminClient>> replicas) {
        return new ReplicaMetricSource(replicas, false);
    }

    /** A view's source (the dashboard): every read is the last {@code window} of each replica. */
    public static ReplicaMetricSource lastWindow(Supplier<List<RouterAdminClient>> replicas) {
        return new ReplicaMetricSource(replicas, true);
    }

    @Override
    public TrafficWindow window(MetricTarget target, MetricQuery query) throws MetricsUnavailableException {
        List<RouterAdminClient> now = replicas.get();
        if (now.isEmpty()) {
            throw new MetricsUnavailableException("no router replica is ready to give its figures", null);
        }
        List<RouterMetricSource.Read> reads = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RouterMetricSource.Read>> asked = new ArrayList<>();
            for (RouterAdminClient r : now) {
                RouterMetricSource source = sources.computeIfAbsent(r.base(),
                        b -> lastWindow ? RouterMetricSource.lastWindow(r) : new RouterMetricSource(r));
                asked.add(ex.submit(() -> source.read(target, query, true)));
            }
            for (int i = 0; i < asked.size(); i++) {
                try {
                    reads.add(asked.get(i).get());
                } catch (ExecutionException e) {
                    throw new MetricsUnavailableException("router replica at " + now.get(i).base() + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetricsUnavailableException("interrupted while reading the router replicas' figures", e);
        }
        sources.keySet().retainAll(now.stream().map(RouterAdminClient::base).toList());
        Duration covered = reads.stream().map(RouterMetricSource.Read::covered).max(Comparator.naturalOrder()).orElseThrow();
        if (target.shadow()) {
            return new TrafficWindow(covered, sum(reads, s -> s.track(Track.STABLE), query), sum(reads, RouteStats::shadow, query),
                    java.util.OptionalDouble.empty());
        }
        return new TrafficWindow(covered, sum(reads, s -> s.track(Track.STABLE), query), sum(reads, s -> s.track(Track.CANARY), query),
                reads.getFirst().stats().clientShare());
    }

    private static TrackFigures sum(List<RouterMetricSource.Read> reads, java.util.function.Function<RouteStats, TrafficStats> track, MetricQuery query)
            throws MetricsUnavailableException {
        long requests = 0;
        long errors = 0;
        Map<Duration, Long> slower = new HashMap<>();
        Histogram latency = new Histogram(2);
        long firstClientErrors = 0;
        boolean clientsCounted = true;
        for (RouterMetricSource.Read r : reads) {
            TrafficStats t = track.apply(r.stats());
            requests += t.requests();
            errors += t.status5xx();
            for (Duration d : query.slowerThan()) {
                Long n = t.slowerThan().get(d);
                if (n == null) {
                    throw new MetricsUnavailableException("a router replica did not count requests slower than " + SlowerThan.key(d)
                            + "; it is older than this server: roll the router out at the server's version", null);
                }
                slower.merge(d, n, Long::sum);
            }
            latency.add(t.latency().orElseThrow(() -> new MetricsUnavailableException(
                    "a router replica did not give its latency histogram; it is older than this server: roll the router out at the server's version",
                    null)));
            clientsCounted &= t.firstClientErrors().isPresent();
            firstClientErrors += t.firstClientErrors().orElse(0);
        }
        Map<Double, Double> at = new HashMap<>();
        Set<Double> percentiles = new java.util.TreeSet<>(query.percentiles());
        percentiles.add(99.0);
        for (double p : percentiles) {
            at.put(p, latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(p) / 1_000.0);
        }
        return new TrackFigures(requests, errors, at, slower, Map.of(),
                clientsCounted ? OptionalLong.of(firstClientErrors) : OptionalLong.empty());
    }
}
