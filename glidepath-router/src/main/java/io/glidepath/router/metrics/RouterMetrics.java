package io.glidepath.router.metrics;

import io.glidepath.route.Track;
import io.glidepath.router.acme.AcmeCertificates;
import io.glidepath.router.acme.NameStatus;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.route.ActiveRoute;
import io.glidepath.router.proxy.ListenerCounters;
import io.glidepath.router.route.RouteRegistry;
import io.glidepath.router.route.RouteRuntime;
import io.glidepath.router.tls.Certificates;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The router's Prometheus view. Figures are read from the running totals the data path already keeps,
 * so scraping adds no work per request; the routes' families are gathered from the routing table at
 * each scrape, so routes and endpoints come and go with it and cost nothing while nobody reads them.
 */
public final class RouterMetrics {
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RouteRegistry routes;

    public RouterMetrics(RouteRegistry routes, ListenerCounters listener) {
        this(routes, listener, Optional.empty());
    }

    /** @param certificates the HTTPS listener's, whose expiry {@code /metrics} shows */
    public RouterMetrics(RouteRegistry routes, ListenerCounters listener, Optional<Certificates> certificates) {
        this(routes, listener, certificates, Optional.empty());
    }

    /** @param acme the ACME client, whose orders and names {@code /metrics} shows */
    public RouterMetrics(RouteRegistry routes, ListenerCounters listener, Optional<Certificates> certificates, Optional<AcmeCertificates> acme) {
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
        FunctionCounter.builder("glidepath_router_shadow_dropped", listener, ListenerCounters::shadowDropped)
                .description("copies of requests not mirrored to a canary: too many out, no canary endpoint, or no connection").register(registry);
        // Micrometer's timers cannot be fed from totals the data path already keeps, so the latency histogram is
        // handed to the Prometheus registry beneath it directly, read from each track's buckets at scrape time
        registry.getPrometheusRegistry().register((MultiCollector) this::latencyHistograms);
        registry.getPrometheusRegistry().register((MultiCollector) this::routeFamilies);
        certificates.ifPresent(c -> {
            registry.getPrometheusRegistry().register((MultiCollector) () -> certificateExpiry(c));
            FunctionCounter.builder("glidepath_router_certificate_load_errors", c, Certificates::reloadErrors)
                    .description("certificate files that did not load, at start or on a change (each keeps what it served before)")
                    .register(registry);
        });
        acme.ifPresent(a -> {
            FunctionCounter.builder("glidepath_router_acme_certificates_issued", a, AcmeCertificates::issuedCount)
                    .description("certificates the ACME CA issued (first ones and renewals)").register(registry);
            FunctionCounter.builder("glidepath_router_acme_orders_failed", a, AcmeCertificates::failedCount)
                    .description("ACME orders that brought no certificate (the name waits, then orders again)").register(registry);
            FunctionCounter.builder("glidepath_router_acme_orders_rate_limited", a, AcmeCertificates::rateLimitedCount)
                    .description("failed ACME orders the CA refused as rate limited").register(registry);
            registry.getPrometheusRegistry().register((MultiCollector) () -> acmeNames(a));
        });
    }

    /**
     * {@code glidepath_router_certificate_not_after_seconds}: when each served certificate expires (Unix
     * time, as the blackbox exporter's probe_ssl_earliest_cert_expiry), labelled with its file and names;
     * alert on {@code ... - time() < 14 * 86400}.
     */
    private static MetricSnapshots certificateExpiry(Certificates certificates) {
        GaugeSnapshot.Builder g = GaugeSnapshot.builder().name("glidepath_router_certificate_not_after_seconds")
                .help("when each certificate the HTTPS listener serves expires, in Unix seconds");
        java.util.Set<List<String>> seen = new java.util.HashSet<>();
        for (Certificates.Loaded c : certificates.view().certificates()) {
            String names = String.join(",", c.names());
            // the operator's file and the ACME client's may share a name: the first (the operator's, which serves) is shown
            if (c.notAfter() != null && seen.add(List.of(c.file(), names))) {
                g.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(c.notAfter().getEpochSecond())
                        .labels(Labels.of("file", c.file(), "names", names)).build());
            }
        }
        return MetricSnapshots.of(g.build());
    }

    /** {@code glidepath_router_acme_names{state}}: how many names are pending, valid, renewing, failed. */
    private static MetricSnapshots acmeNames(AcmeCertificates acme) {
        Map<NameStatus.State, Integer> counts = new EnumMap<>(NameStatus.State.class);
        for (NameStatus.State s : NameStatus.State.values()) {
            counts.put(s, 0);
        }
        acme.names().forEach(n -> counts.merge(n.state(), 1, Integer::sum));
        GaugeSnapshot.Builder g = GaugeSnapshot.builder().name("glidepath_router_acme_names")
                .help("host names the ACME client gets certificates for, by state");
        counts.forEach((state, n) -> g.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(n)
                .labels(Labels.of("state", state.name().toLowerCase(Locale.ROOT))).build()));
        return MetricSnapshots.of(g.build());
    }

    public String scrape() {
        return registry.scrape();
    }

    /** {@code glidepath_router_request_latency_seconds}: a classic histogram per route and track. */
    private MetricSnapshots latencyHistograms() {
        HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("glidepath_router_request_latency_seconds")
                .help("latency of responses by route and track (histogram_quantile reads it)");
        double[] bounds = new double[MetricSeries.LATENCY_BOUNDS_SECONDS.length + 1];
        System.arraycopy(MetricSeries.LATENCY_BOUNDS_SECONDS, 0, bounds, 0, MetricSeries.LATENCY_BOUNDS_SECONDS.length);
        bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
        Collection<ActiveRoute> held = routes.table().routes().values();
        if (held.isEmpty()) {
            return MetricSnapshots.of();
        }
        for (ActiveRoute r : held) {
            for (Track t : Track.values()) {
                MetricSeries s = r.runtime().metrics(t);
                h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, s.latencyBucketCounts()))
                        .sum(s.totalLatencySeconds()).labels(Labels.of("route", r.name(), "track", t.id())).build());
            }
        }
        return MetricSnapshots.of(h.build());
    }

    /**
     * The figures of every route, track and endpoint, read from the totals the data path keeps when
     * Prometheus scrapes: nothing is registered per route (Micrometer's meters took about 40 KB a route,
     * sixty meters with their ids and tags), so a route costs nothing here until it is read. Names,
     * labels and help are those the meters had.
     */
    private MetricSnapshots routeFamilies() {
        Families f = new Families();
        for (ActiveRoute r : routes.table().routes().values()) {
            String route = r.name();
            RouteRuntime rt = r.runtime();
            f.gauge("glidepath_router_canary_weight", "canary weight in basis points", r.canaryWeight(), "route", route);
            f.gauge("glidepath_router_route_generation", null, r.state().generation(), "route", route);
            f.gauge("glidepath_router_client_ledger_full",
                    "1 when the route's ledger of clients with an error turned one away: first client errors count short until the next canary",
                    r.clientErrors().full() ? 1 : 0, "route", route);
            for (Track t : Track.values()) {
                MetricSeries s = rt.metrics(t);
                String track = t.id();
                for (int c = 0; c < CLASSES.length; c++) {
                    f.counter("glidepath_router_requests", "responses by route, track and status class", s.total(c),
                            "route", route, "track", track, "class", CLASSES[c]);
                }
                f.counter("glidepath_router_connect_failures", null, s.total(MetricSeries.CONNECT_FAILURES), "route", route, "track", track);
                f.counter("glidepath_router_shielded_responses", "canary 5xx answers served from stable instead", s.total(MetricSeries.SHIELDED),
                        "route", route, "track", track);
                f.summary("glidepath_router_request_duration_seconds", s.totalResponses(), s.totalLatencySeconds(), "route", route, "track", track);
                if (t != Track.PREVIEW) {
                    f.counter("glidepath_router_first_client_errors", "clients of a sticky split whose first 5xx since the canary began came on this track "
                            + "(short once glidepath_router_client_ledger_full is 1)", s.total(MetricSeries.FIRST_CLIENT_ERRORS),
                            "route", route, "track", track);
                }
            }
            // apart from the tracks above, as in the stats call: a query on track="canary" reads users' traffic only
            for (Track t : RouteRuntime.OVERRIDABLE) {
                MetricSeries s = rt.overridden(t);
                for (int c = 0; c < CLASSES.length; c++) {
                    f.counter("glidepath_router_overridden_requests", "responses to requests the override header sent to a track", s.total(c),
                            "route", route, "track", t.id(), "class", CLASSES[c]);
                }
            }
            for (int c = 0; c < CLASSES.length; c++) {
                f.counter("glidepath_router_shield_answers", "stable's answers in place of shielded canary failures", rt.shieldAnswers().total(c),
                        "route", route, "class", CLASSES[c]);
            }
            for (Endpoint e : rt.endpoints()) {
                String address = e.address().toString();
                f.gauge("glidepath_router_endpoint_inflight", null, e.inflight(), "route", route, "endpoint", address);
                f.gauge("glidepath_router_endpoint_healthy", null, e.health() == Endpoint.Health.HEALTHY ? 1 : 0, "route", route, "endpoint", address);
                f.gauge("glidepath_router_endpoint_draining", null, e.isDraining() ? 1 : 0, "route", route, "endpoint", address);
                for (int c = 0; c < CLASSES.length; c++) {
                    f.counter("glidepath_router_endpoint_requests", null, e.metrics().total(c), "route", route, "endpoint", address, "class", CLASSES[c]);
                }
            }
        }
        return f.snapshots();
    }

    /** Metric families gathered by name for one scrape. */
    private static final class Families {
        private final Map<String, GaugeSnapshot.Builder> gauges = new LinkedHashMap<>();
        private final Map<String, CounterSnapshot.Builder> counters = new LinkedHashMap<>();
        private final Map<String, SummarySnapshot.Builder> summaries = new LinkedHashMap<>();

        /** Micrometer wrote a blank help for meters without a description; kept so the text stays the same. */
        private static String help(String help) {
            return help == null ? " " : help;
        }

        void gauge(String name, String help, double value, String... labels) {
            gauges.computeIfAbsent(name, n -> GaugeSnapshot.builder().name(n).help(help(help)))
                    .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build());
        }

        void counter(String name, String help, double value, String... labels) {
            counters.computeIfAbsent(name, n -> CounterSnapshot.builder().name(n).help(help(help)))
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build());
        }

        void summary(String name, long count, double sum, String... labels) {
            summaries.computeIfAbsent(name, n -> SummarySnapshot.builder().name(n).help(help(null)))
                    .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().count(count).sum(sum).labels(Labels.of(labels)).build());
        }

        MetricSnapshots snapshots() {
            MetricSnapshots.Builder b = MetricSnapshots.builder();
            gauges.values().forEach(g -> b.metricSnapshot(g.build()));
            counters.values().forEach(c -> b.metricSnapshot(c.build()));
            summaries.values().forEach(x -> b.metricSnapshot(x.build()));
            return b.build();
        }
    }
}
