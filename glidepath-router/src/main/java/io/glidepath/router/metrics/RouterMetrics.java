package io.glidepath.router.metrics;

import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.route.ActiveRoute;
import io.glidepath.router.proxy.ListenerCounters;
import io.glidepath.router.route.RouteRegistry;
import io.glidepath.router.route.RouteRuntime;
import io.glidepath.router.route.RoutingTable;
import io.glidepath.router.tls.Certificates;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The router's Prometheus view. Meters read the running totals the data path already keeps, so
 * scraping adds no work per request; meters follow the routing table as routes and endpoints come
 * and go.
 */
public final class RouterMetrics {
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RouteRegistry routes;
    private final Map<String, Registered> byRoute = new HashMap<>();

    private record Registered(RouteRuntime runtime, List<Meter> meters, Map<String, List<Meter>> endpoints) {
    }

    public RouterMetrics(RouteRegistry routes, ListenerCounters listener) {
        this(routes, listener, Optional.empty());
    }

    /** @param certificates the HTTPS listener's, whose expiry {@code /metrics} shows */
    public RouterMetrics(RouteRegistry routes, ListenerCounters listener, Optional<Certificates> certificates) {
        this.routes = routes;
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Gauge.builder("glidepath_router_client_connections", listener::openConnections)
                .description("open client connections").register(registry);
        FunctionCounter.builder("glidepath_router_unmatched_requests", listener, ListenerCounters::unmatched)
                .description("requests no route took (answered 404)").register(registry);
        FunctionCounter.builder("glidepath_router_bad_requests", listener, ListenerCounters::badRequests)
                .description("requests refused as malformed (400, 414, 431, 505)").register(registry);
        FunctionCounter.builder("glidepath_router_client_timeouts", listener, ListenerCounters::clientTimeouts)
                .description("clients cut for a request head or body past its deadline").register(registry);
        FunctionCounter.builder("glidepath_router_refused_connections", listener, ListenerCounters::refusedConnections)
                .description("connections closed as accepted because the connection limit was reached").register(registry);
        FunctionCounter.builder("glidepath_router_tls_handshake_failures", listener, ListenerCounters::tlsHandshakeFailures)
                .description("TLS handshakes that failed (no common protocol or suite, a client that gave up)").register(registry);
        FunctionCounter.builder("glidepath_router_access_log_dropped", listener, ListenerCounters::accessLogDropped)
                .description("access log lines dropped because the log's writer fell behind").register(registry);
        // Micrometer's timers cannot be fed from totals the data path already keeps, so the latency histogram is
        // handed to the Prometheus registry beneath it directly, read from each track's buckets at scrape time
        registry.getPrometheusRegistry().register((MultiCollector) this::latencyHistograms);
        certificates.ifPresent(c -> {
            registry.getPrometheusRegistry().register((MultiCollector) () -> certificateExpiry(c));
            FunctionCounter.builder("glidepath_router_certificate_load_errors", c, Certificates::reloadErrors)
                    .description("certificate files that did not load, at start or on a change (each keeps what it served before)")
                    .register(registry);
        });
        routes.onChange(this::sync);
    }

    /**
     * {@code glidepath_router_certificate_not_after_seconds}: when each served certificate expires (Unix
     * time, as the blackbox exporter's probe_ssl_earliest_cert_expiry), labelled with its file and names;
     * alert on {@code ... - time() < 14 * 86400}.
     */
    private static MetricSnapshots certificateExpiry(Certificates certificates) {
        GaugeSnapshot.Builder g = GaugeSnapshot.builder().name("glidepath_router_certificate_not_after_seconds")
                .help("when each certificate the HTTPS listener serves expires, in Unix seconds");
        for (Certificates.Loaded c : certificates.view().certificates()) {
            if (c.notAfter() != null) {
                g.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(c.notAfter().getEpochSecond())
                        .labels(Labels.of("file", c.file(), "names", String.join(",", c.names()))).build());
            }
        }
        return MetricSnapshots.of(g.build());
    }

    /** {@code glidepath_router_request_latency_seconds}: a classic histogram per route and track. */
    private synchronized MetricSnapshots latencyHistograms() {
        HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("glidepath_router_request_latency_seconds")
                .help("latency of responses by route and track (histogram_quantile reads it)");
        double[] bounds = new double[MetricSeries.LATENCY_BOUNDS_SECONDS.length + 1];
        System.arraycopy(MetricSeries.LATENCY_BOUNDS_SECONDS, 0, bounds, 0, MetricSeries.LATENCY_BOUNDS_SECONDS.length);
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        if (byRoute.isEmpty()) {
            return MetricSnapshots.of();
        }
        byRoute.forEach((route, reg) -> {
            for (Track t : Track.values()) {
                MetricSeries s = reg.runtime().metrics(t);
                h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, s.latencyBucketCounts()))
                        .sum(s.totalLatencySeconds()).labels(Labels.of("route", route, "track", t.id())).build());
            }
        });
        return MetricSnapshots.of(h.build());
    }

    public String scrape() {
        return registry.scrape();
    }

    /** Follows the routes a change touched (only those: a change to one route costs that route's meters). */
    private synchronized void sync(RoutingTable table, Collection<String> names) {
        for (String name : names) {
            ActiveRoute r = table.route(name);
            Registered reg = byRoute.get(name);
            if (reg != null && (r == null || r.runtime() != reg.runtime())) {
                reg.meters().forEach(registry::remove);
                reg.endpoints().values().forEach(ms -> ms.forEach(registry::remove));
                byRoute.remove(name);
                reg = null;
            }
            if (r == null) {
                continue;
            }
            if (reg == null) {
                reg = new Registered(r.runtime(), routeMeters(r), new HashMap<>());
                byRoute.put(name, reg);
            }
            Map<String, Endpoint> current = new HashMap<>();
            r.runtime().endpoints().forEach(e -> current.put(e.address().toString(), e));
            reg.endpoints().entrySet().removeIf(e -> {
                if (!current.containsKey(e.getKey())) {
                    e.getValue().forEach(registry::remove);
                    return true;
                }
                return false;
            });
            Registered held = reg;
            current.forEach((address, e) -> held.endpoints().computeIfAbsent(address, a -> endpointMeters(name, e)));
        }
    }

    private List<Meter> routeMeters(ActiveRoute r) {
        String name = r.name();
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("glidepath_router_canary_weight", () -> weightOf(name))
                .description("canary weight in basis points").tag("route", name).register(registry));
        meters.add(Gauge.builder("glidepath_router_route_generation", () -> generationOf(name))
                .tag("route", name).register(registry));
        for (Track t : Track.values()) {
            MetricSeries s = r.runtime().metrics(t);
            String track = t.id();
            for (int c = 0; c < CLASSES.length; c++) {
                int slot = c;
                meters.add(FunctionCounter.builder("glidepath_router_requests", s, x -> x.total(slot))
                        .description("responses by route, track and status class").tags("route", name, "track", track, "class", CLASSES[c])
                        .register(registry));
            }
            meters.add(FunctionCounter.builder("glidepath_router_connect_failures", s, x -> x.total(MetricSeries.CONNECT_FAILURES))
                    .tags("route", name, "track", track).register(registry));
            meters.add(FunctionCounter.builder("glidepath_router_shielded_responses", s, x -> x.total(MetricSeries.SHIELDED))
                    .description("canary 5xx answers served from stable instead").tags("route", name, "track", track).register(registry));
            meters.add(FunctionTimer.builder("glidepath_router_request_duration", s, MetricSeries::totalResponses,
                            MetricSeries::totalLatencySeconds, TimeUnit.SECONDS)
                    .tags("route", name, "track", track).register(registry));
            if (t != Track.PREVIEW) {
                meters.add(FunctionCounter.builder("glidepath_router_first_client_errors", s, x -> x.total(MetricSeries.FIRST_CLIENT_ERRORS))
                        .description("clients of a sticky split whose first 5xx since the canary began came on this track "
                                + "(short once glidepath_router_client_ledger_full is 1)")
                        .tags("route", name, "track", track).register(registry));
            }
        }
        meters.add(Gauge.builder("glidepath_router_client_ledger_full", () -> ledgerFull(name))
                .description("1 when the route's ledger of clients with an error turned one away: first client errors count short until the next canary")
                .tag("route", name).register(registry));
        // apart from the tracks above, as in the stats call: a query on track="canary" reads users' traffic only
        for (Track t : RouteRuntime.OVERRIDABLE) {
            MetricSeries s = r.runtime().overridden(t);
            for (int c = 0; c < CLASSES.length; c++) {
                int slot = c;
                meters.add(FunctionCounter.builder("glidepath_router_overridden_requests", s, x -> x.total(slot))
                        .description("responses to requests the override header sent to a track").tags("route", name, "track", t.id(), "class", CLASSES[c])
                        .register(registry));
            }
        }
        MetricSeries shieldAnswers = r.runtime().shieldAnswers();
        for (int c = 0; c < CLASSES.length; c++) {
            int slot = c;
            meters.add(FunctionCounter.builder("glidepath_router_shield_answers", shieldAnswers, x -> x.total(slot))
                    .description("stable's answers in place of shielded canary failures").tags("route", name, "class", CLASSES[c])
                    .register(registry));
        }
        return meters;
    }

    private List<Meter> endpointMeters(String route, Endpoint e) {
        String address = e.address().toString();
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("glidepath_router_endpoint_inflight", e, Endpoint::inflight)
                .tags("route", route, "endpoint", address).register(registry));
        meters.add(Gauge.builder("glidepath_router_endpoint_healthy", e, x -> x.health() == Endpoint.Health.HEALTHY ? 1 : 0)
                .tags("route", route, "endpoint", address).register(registry));
        meters.add(Gauge.builder("glidepath_router_endpoint_draining", e, x -> x.isDraining() ? 1 : 0)
                .tags("route", route, "endpoint", address).register(registry));
        for (int c = 0; c < CLASSES.length; c++) {
            int slot = c;
            meters.add(FunctionCounter.builder("glidepath_router_endpoint_requests", e.metrics(), x -> x.total(slot))
                    .tags("route", route, "endpoint", address, "class", CLASSES[c]).register(registry));
        }
        return meters;
    }

    private double weightOf(String route) {
        ActiveRoute r = routes.table().route(route);
        return r == null ? Double.NaN : r.canaryWeight();
    }

    private double ledgerFull(String route) {
        ActiveRoute r = routes.table().route(route);
        return r == null ? Double.NaN : r.clientErrors().full() ? 1 : 0;
    }

    private double generationOf(String route) {
        ActiveRoute r = routes.table().route(route);
        return r == null ? Double.NaN : r.state().generation();
    }
}
