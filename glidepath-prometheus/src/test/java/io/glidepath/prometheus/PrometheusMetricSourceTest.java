package io.glidepath.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.examples.SampleService;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterMetricSource;
import io.glidepath.spec.Location;
import io.glidepath.spec.PrometheusSpec;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.testkit.net.ChildPorts;
import io.glidepath.time.Clock;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with a real Prometheus: the router carries paced load to a stable version and a canary
 * that fails a fifth of its requests and answers 30 ms late; Prometheus scrapes the router's /metrics
 * every second; the source's figures per track, read with the PromQL a release file would hold, agree
 * with the router's own. Then what Prometheus answers when a query is wrong, and Prometheus hung or gone;
 * last, with the load stopped, the counters themselves. One set-up for all: the order matters.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusMetricSourceTest {
    static final String SERVICE = "catalog";
    static final Duration WINDOW = Duration.ofSeconds(5);
    static final MetricTarget CANARY = new MetricTarget(SERVICE, Optional.of("v1"), Optional.of("v2"));
    static final String SELECT = "route=\"{{service}}\",track=\"{{track}}\"";
    static final String REQUESTS = "sum(increase(glidepath_router_requests_total{" + SELECT + "}[{{window}}]))";
    static final String ERRORS = "sum(increase(glidepath_router_requests_total{" + SELECT + ",class=\"5xx\"}[{{window}}]))";
    static final String LATENCY = "histogram_quantile({{quantile}}, sum by (le) (rate(glidepath_router_request_latency_seconds_bucket{" + SELECT
            + "}[{{window}}])))";
    static final String SLOWER = "sum(increase(glidepath_router_request_latency_seconds_count{" + SELECT + "}[{{window}}]))"
            + " - sum(increase(glidepath_router_request_latency_seconds_bucket{" + SELECT + ",le=\"{{seconds}}\"}[{{window}}]))";
    static final String SUCCESS_SHARE = "sum(increase(glidepath_router_requests_total{" + SELECT + ",class=\"2xx\"}[{{window}}])) / " + REQUESTS;

    @TempDir
    static Path dir;
    static SampleService stable;
    static SampleService canary;
    static Router router;
    static RouterAdminClient admin;
    static PrometheusProcess prometheus;
    static LoadGenerator load;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final Clock clock = Clock.system();

    @BeforeAll
    static void start() throws Exception {
        stable = new SampleService(Map.of("PORT", "0", "VERSION", "v1")).start();
        canary = new SampleService(Map.of("PORT", "0", "VERSION", "v2", "ERROR_RATE", "20%", "LATENCY", "30ms")).start();
        router = Router.start(Router.Config.loopback(dir.resolve("router")));
        String token = Files.readString(dir.resolve("router/admin.token")).strip();
        admin = new RouterAdminClient(URI.create("http://127.0.0.1:" + router.adminAddress().getPort()), token);
        admin.put(RouteSpec.of(SERVICE, RouteMatch.any(), List.of(new EndpointAddress("127.0.0.1", stable.port())))
                .withCanary(List.of(new EndpointAddress("127.0.0.1", canary.port()))).withCanaryWeight(3000).withShield(false), OptionalLong.empty());
        prometheus = PrometheusProcess.start(dir.resolve("prometheus"), """
                - job_name: glidepath-router
                  static_configs: [{targets: ['127.0.0.1:%d']}]
                  authorization: {type: Bearer, credentials_file: %s}
                """.formatted(router.adminAddress().getPort(), dir.resolve("router/admin.token")));
        load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", router.proxyAddress().getPort(), 8).withUsersPerConnection(64)
                .withRate(200)).start();
        prometheus.awaitScrapes("glidepath-router", 7); // a whole window of scrapes under load, and a little more
    }

    @AfterAll
    static void stop() {
        if (load != null) {
            load.close();
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (router != null) {
            router.close();
        }
        stable.stop();
        canary.stop();
    }

    static PrometheusMetricSource source(PrometheusSpec spec, Map<String, String> metrics, URI url) {
        return new PrometheusMetricSource(spec, metrics, PrometheusEndpoint.of(url), http, clock);
    }

    static PrometheusSpec spec(String requests, String errors, Optional<String> latency, Optional<String> slower, Duration timeout) {
        return new PrometheusSpec(Optional.empty(), timeout, requests, errors, latency, slower, new Location("r.yaml", 1, 1));
    }

    static final PrometheusSpec ROUTER_QUERIES = spec(REQUESTS, ERRORS, Optional.of(LATENCY), Optional.of(SLOWER), Duration.ofSeconds(2));
    static final MetricQuery ASKED = new MetricQuery(WINDOW, Set.of(50.0, 99.0), Set.of(Duration.ofMillis(25)), Set.of("success"));

    /** The first window Prometheus can answer whole (it needs a few scrapes of the route's series first). */
    static TrafficWindow prometheusWindow(PrometheusMetricSource source, MetricQuery query) {
        AtomicReference<TrafficWindow> w = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(MetricsUnavailableException.class)
                .until(() -> {
                    TrafficWindow t = source.window(CANARY, query);
                    w.set(t);
                    return t.canary().requests() > 0 && t.stable().requests() > 0;
                });
        return w.get();
    }

    @Test
    @Order(1)
    void theFiguresPerTrackAgreeWithTheRoutersOwn() throws Exception {
        PrometheusMetricSource source = source(ROUTER_QUERIES, Map.of("success", SUCCESS_SHARE), prometheus.url());
        TrafficWindow p = prometheusWindow(source, ASKED);
        TrafficWindow r = new RouterMetricSource(admin).window(CANARY, ASKED);
        for (TrackFigures[] pair : List.of(new TrackFigures[] {p.stable(), r.stable()}, new TrackFigures[] {p.canary(), r.canary()})) {
            // increase() extrapolates over the last scrapes, the router counts whole seconds: near, not equal
            assertThat((double) pair[0].requests()).as("requests").isCloseTo(pair[1].requests(), org.assertj.core.data.Percentage.withPercentage(40));
            assertThat(pair[0].errorRate()).as("error rate").isCloseTo(pair[1].errorRate(), org.assertj.core.data.Offset.offset(0.1));
        }
        assertThat(p.stable().errors()).isZero();
        assertThat(p.canary().errorRate()).isBetween(0.05, 0.4);
        assertThat(p.canary().requests()).as("the canary's share of 30%").isLessThan(p.stable().requests());
        // histogram_quantile interpolates within a bucket: the canary's median lies in the router's own bucket, (25 ms, 50 ms]
        // (its p99 too on a quiet machine; on a loaded one a few stalled requests lift it a bucket or more, on both sides alike)
        assertThat(p.canary().latencyMillis().get(50.0)).isBetween(25.0, 50.0);
        assertThat(r.canary().latencyMillis().get(50.0)).isBetween(25.0, 50.0);
        assertThat(p.canary().latencyMillis().get(99.0)).isGreaterThan(25.0);
        assertThat(p.stable().latencyMillis().get(50.0)).isLessThan(p.canary().latencyMillis().get(50.0));
        // every canary request waits 30 ms; stable answers at once
        assertThat(p.canary().slowerThan().get(Duration.ofMillis(25))).isGreaterThanOrEqualTo(p.canary().requests() * 9 / 10);
        assertThat(p.stable().slowerThan().get(Duration.ofMillis(25))).isLessThan(p.stable().requests() / 2);
        // a business metric, read per track
        assertThat(p.canary().metrics().get("success")).isBetween(0.6, 0.95);
        assertThat(p.stable().metrics().get("success")).isEqualTo(1.0);
    }

    @Test
    @Order(4)
    void afterTheLoadStopsTheCountersPrometheusScrapedEqualTheRoutersExactly() throws Exception {
        PrometheusMetricSource totals = source(spec("sum(glidepath_router_requests_total{" + SELECT + "})",
                "sum(glidepath_router_requests_total{" + SELECT + ",class=\"5xx\"})", Optional.empty(), Optional.empty(), Duration.ofSeconds(2)),
                Map.of(), prometheus.url());
        prometheusWindow(source(ROUTER_QUERIES, Map.of(), prometheus.url()), MetricQuery.of(WINDOW, Set.of()));
        LoadGenerator l = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", router.proxyAddress().getPort(), 2).withUsersPerConnection(32)
                .withRate(100)).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> l.requestCount() >= 300);
        l.close();
        load.close(); // the shared load too (this test runs last)
        MetricQuery all = MetricQuery.of(Duration.ofSeconds(300), Set.of());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            TrafficWindow r = new RouterMetricSource(admin).window(CANARY, all);
            TrafficWindow p = totals.window(CANARY, all);
            assertThat(p.stable().requests()).isEqualTo(r.stable().requests());
            assertThat(p.canary().requests()).isEqualTo(r.canary().requests());
            assertThat(p.canary().errors()).isEqualTo(r.canary().errors()).isPositive();
        });
    }

    @Test
    @Order(2)
    void aWrongQueryIsNoFiguresWithWhatPrometheusSaidAndWhichQuery() {
        PrometheusMetricSource unbalanced = source(spec("sum(increase(glidepath_router_requests_total{" + SELECT + "}[{{window}}])", ERRORS,
                Optional.empty(), Optional.empty(), Duration.ofSeconds(2)), Map.of(), prometheus.url());
        assertThat(unavailable(unbalanced, MetricQuery.of(WINDOW, Set.of()))).startsWith("Prometheus at " + prometheus.url()
                + " refused the query: invalid parameter \"query\": ").contains("parse error").contains("[stable requests: sum(increase("
                + "glidepath_router_requests_total{route=\"catalog\",track=\"stable\"}[5s])]").contains("(and 1 more of this window's 4 queries failed)");

        PrometheusMetricSource nothing = source(spec(REQUESTS.replace("{{service}}", "nothing"), ERRORS, Optional.empty(), Optional.empty(),
                Duration.ofSeconds(2)), Map.of(), prometheus.url());
        assertThat(unavailable(nothing, MetricQuery.of(WINDOW, Set.of()))).contains("returned no series: nothing matched")
                .contains("'or vector(0)'").contains("[stable requests: ");

        PrometheusMetricSource nan = source(ROUTER_QUERIES, Map.of("ratio", "sum(glidepath_router_requests_total{" + SELECT + "}) * 0 / 0"),
                prometheus.url());
        assertThat(unavailable(nan, new MetricQuery(WINDOW, Set.of(), Set.of(), Set.of("ratio")))).contains("returned NaN [stable ratio: ");

        PrometheusMetricSource several = source(ROUTER_QUERIES, Map.of("by-class", "glidepath_router_requests_total{" + SELECT + "}"), prometheus.url());
        assertThat(unavailable(several, new MetricQuery(WINDOW, Set.of(), Set.of(), Set.of("by-class"))))
                .contains("returned 5 series ({__name__=glidepath_router_requests_total, class=1xx, ").contains("where one was expected");
    }

    @Test
    @Order(3)
    void aHungOrStoppedPrometheusIsNoFiguresWithinTheTimeoutAndSaysSo() throws Exception {
        PrometheusMetricSource impatient = source(spec(REQUESTS, ERRORS, Optional.empty(), Optional.empty(), Duration.ofMillis(500)), Map.of(),
                prometheus.url());
        prometheus.signal("STOP");
        try {
            long t0 = System.nanoTime();
            assertThat(unavailable(impatient, MetricQuery.of(WINDOW, Set.of()))).startsWith("Prometheus at " + prometheus.url()
                    + " did not answer within 500ms [stable requests: ");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("bounded by the timeout").isLessThan(Duration.ofSeconds(5));
        } finally {
            prometheus.signal("CONT");
        }
        URI nobody = URI.create("http://ops:s3cret@127.0.0.1:" + ChildPorts.free());
        String message = unavailable(source(ROUTER_QUERIES, Map.of(), nobody), MetricQuery.of(WINDOW, Set.of()));
        assertThat(message).startsWith("Prometheus at http://127.0.0.1:" + nobody.getPort() + " could not be reached").doesNotContain("s3cret")
                .doesNotContain("ops:");
    }

    static String unavailable(PrometheusMetricSource source, MetricQuery query) {
        MetricsUnavailableException e = catchThrowableOfType(MetricsUnavailableException.class, () -> source.window(CANARY, query));
        assertThat(e).as("the window should have been unavailable").isNotNull();
        return e.getMessage();
    }
}
