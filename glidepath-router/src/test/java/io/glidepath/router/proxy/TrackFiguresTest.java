package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Track;
import io.glidepath.router.client.RouteStats;
import io.glidepath.router.client.RouterMetricSource;
import io.glidepath.router.client.TrafficStats;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the per-track figures count (docs/router.md): the stable and canary figures a judge compares
 * hold the split's requests only, each attempt once on the track whose endpoint answered it; requests
 * the override header or the preview key sent are counted apart, and so is nothing lost.
 */
class TrackFiguresTest {
    static final Duration WINDOW = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    final List<SampleProcess> processes = new ArrayList<>();
    RouterHarness router;

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        for (SampleProcess p : processes) {
            p.close();
        }
    }

    private SampleProcess sample(String version, Map<String, String> settings) throws Exception {
        SampleProcess p = SampleProcess.start(version, settings);
        processes.add(p);
        return p;
    }

    private RouteStats stats() throws Exception {
        return router.admin().stats("web", WINDOW);
    }

    @Test
    void overriddenAndPreviewRequestsStayOutOfTheSplitsStableAndCanaryFigures() throws Exception {
        SampleProcess stable = sample("stable", Map.of());
        SampleProcess canary = sample("canary", Map.of());
        SampleProcess preview = sample("preview", Map.of());
        router = RouterHarness.start(dir);
        RouteState s = router.route("web", List.of(stable.address()));
        s = router.admin().put(s.spec().withCanary(List.of(canary.address())).withPreview(List.of(preview.address())).withCanaryWeight(5000),
                OptionalLong.of(s.generation()));

        int splitToCanary = 0;
        for (int i = 0; i < 40; i++) { // each a new client: the split puts about half in the canary
            ClientResponse r = Http.get(router.port(), "/");
            assertThat(r.status()).isEqualTo(200);
            splitToCanary += r.header("X-Version").orElseThrow().equals("canary") ? 1 : 0;
        }
        for (int i = 0; i < 7; i++) {
            assertThat(Http.send(router.port(), ClientRequest.get("/").withHeader("X-Glidepath-Track", "canary")).header("X-Version")).contains("canary");
        }
        for (int i = 0; i < 5; i++) {
            assertThat(Http.send(router.port(), ClientRequest.get("/").withHeader("X-Glidepath-Track", "stable")).header("X-Version")).contains("stable");
        }
        for (int i = 0; i < 3; i++) {
            assertThat(Http.send(router.port(), ClientRequest.get("/").withHeader(RouteSpec.PREVIEW_KEY_HEADER, s.previewKey())).header("X-Version"))
                    .contains("preview");
        }

        RouteStats stats = stats();
        assertThat(splitToCanary).as("the split sent some clients each way").isBetween(1, 39);
        assertThat(stats.track(Track.CANARY).requests()).as("the split's canary requests, no tester's").isEqualTo(splitToCanary);
        assertThat(stats.track(Track.STABLE).requests()).as("the split's stable requests, no tester's").isEqualTo(40 - splitToCanary);
        assertThat(stats.overridden(Track.CANARY).requests()).isEqualTo(7);
        assertThat(stats.overridden(Track.STABLE).requests()).isEqualTo(5);
        assertThat(stats.track(Track.PREVIEW).requests()).isEqualTo(3);
        assertThat(stats.shieldAnswers().requests()).isZero();
        // nothing is lost: each endpoint counts every answer it gave, whoever sent the request
        assertThat(stats.endpoints().get(canary.address().toString()).requests()).isEqualTo(splitToCanary + 7);
        assertThat(stats.endpoints().get(stable.address().toString()).requests()).isEqualTo(40 - splitToCanary + 5);
        assertThat(stats.endpoints().get(preview.address().toString()).requests()).isEqualTo(3);
        assertThat(router.admin().metrics())
                .contains("glidepath_router_overridden_requests_total{class=\"2xx\",route=\"web\",track=\"canary\"} 7.0")
                .contains("glidepath_router_requests_total{class=\"2xx\",route=\"web\",track=\"canary\"} " + splitToCanary + ".0");
    }

    /** Until the router's running second is {@code second} or later: every second before it is whole. */
    private void awaitRouterPast(long second) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> router.admin().stats("web", WINDOW).toSecond() > second);
    }

    @Test
    void theJudgesReadsGoOnFromWhereTheLastEndedSoNoRequestIsCountedTwice() throws Exception {
        SampleProcess stable = sample("stable", Map.of());
        router = RouterHarness.start(dir);
        router.route("web", List.of(stable.address()));
        RouterMetricSource source = new RouterMetricSource(router.admin());
        RouterMetricSource view = RouterMetricSource.lastWindow(router.admin());
        MetricQuery q = new MetricQuery(Duration.ofSeconds(1), Set.of(99.0), Set.of());
        MetricTarget target = new MetricTarget("web", java.util.Optional.of("stable"), java.util.Optional.empty());
        // the first read takes the last window, the running second included; the next goes on from the
        // second after it (what came later in the running second is left out, never counted twice)
        source.window(target, q);
        awaitRouterPast(router.admin().stats("web", WINDOW).toSecond());
        long counted = 0;
        int sent = 0;
        long end = System.nanoTime() + 3_500_000_000L;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 20; i++, sent++) {
                assertThat(Http.get(router.port(), "/").status()).isEqualTo(200);
            }
            counted += source.window(target, q).stable().requests(); // a read every ~300 ms, as a busy judge might
            // the dashboard's view between the judge's reads: the last window each time, the judge's place unmoved
            assertThat(view.window(target, q).window()).isEqualTo(q.window());
            Thread.sleep(250); // pacing the reads, not waiting for anything
        }
        awaitRouterPast(router.admin().stats("web", WINDOW).toSecond()); // the second of the last requests is whole
        TrafficWindow last = source.window(target, q);
        counted += last.stable().requests();
        assertThat(counted).as("requests counted over the reads, of %d sent", sent).isEqualTo(sent);
        // a read right after another (a wakeup cut the engine's sleep short) waits for a whole second: no window of no time
        assertThat(source.window(target, q).window()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(router.admin().stats("web", WINDOW, OptionalLong.of(0), List.of(), List.of()).toSecond()).isPositive();
    }

    @Test
    void aRequestWhoseCanaryRefusesTheConnectionCountsOnceOnStableWhichAnsweredIt() throws Exception {
        SampleProcess stable = sample("stable", Map.of());
        SampleProcess canary = sample("canary", Map.of());
        router = RouterHarness.start(dir);
        RouteState s = router.route("web", List.of(stable.address()));
        // checks far apart: the dead canary is met by requests, not by its health check
        router.admin().put(s.spec().withCanary(List.of(canary.address())).withCanaryWeight(10_000)
                .withHealth(HealthCheck.tcpDefault().withInterval(Duration.ofMinutes(10))), OptionalLong.of(s.generation()));
        canary.kill9();

        for (int i = 0; i < 5; i++) {
            ClientResponse r = Http.get(router.port(), "/");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("X-Version")).contains("stable");
        }

        RouteStats stats = stats();
        assertThat(stats.track(Track.CANARY).connectFailures()).as("the refused connects count against the canary").isPositive();
        assertThat(stats.track(Track.CANARY).requests()).as("no canary endpoint answered").isZero();
        assertThat(stats.track(Track.STABLE).requests()).as("each request once, on the track that answered it").isEqualTo(5);
        assertThat(stats.track(Track.STABLE).status5xx()).isZero();
        assertThat(stats.shieldAnswers().requests()).as("nothing reached the canary, so nothing was shielded").isZero();
    }

    @Test
    void aTrackWithNoHealthyEndpointSendsItsShareToStableWhereItCountsOnce() throws Exception {
        SampleProcess stable = sample("stable", Map.of());
        SampleProcess canary = sample("canary", Map.of("FAIL_READINESS", "true"));
        router = RouterHarness.start(dir);
        RouteState s = router.route("web", List.of(stable.address()));
        router.admin().put(s.spec().withCanary(List.of(canary.address())).withCanaryWeight(10_000).withHealth(HealthCheck.http("/ready")),
                OptionalLong.of(s.generation()));
        assertThat(router.admin().endpoints("web")).filteredOn(e -> e.address().equals(canary.address()))
                .singleElement().satisfies(e -> assertThat(e.isHealthy()).isFalse());

        for (int i = 0; i < 10; i++) {
            assertThat(Http.get(router.port(), "/").header("X-Version")).contains("stable");
        }

        RouteStats stats = stats();
        assertThat(stats.track(Track.STABLE).requests()).isEqualTo(10);
        assertThat(stats.track(Track.CANARY).requests()).isZero();
        assertThat(stats.track(Track.CANARY).connectFailures()).as("an unhealthy endpoint is not tried").isZero();
    }

    @Test
    void countsTheRequestsSlowerThanEachAskedDurationPerTrackAndEndpoint() throws Exception {
        SampleProcess stable = sample("stable", Map.of());
        router = RouterHarness.start(dir);
        router.route("web", List.of(stable.address()));
        // a fast request the client waited more than 250 ms for (a loaded machine) may count as slow too; none other may
        long fastButLate = 0;
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            assertThat(Http.get(router.port(), "/").status()).isEqualTo(200);
            fastButLate += System.nanoTime() - t0 > 250_000_000L ? 1 : 0;
        }
        for (int i = 0; i < 4; i++) {
            assertThat(Http.get(router.port(), "/slow?ms=400").status()).isEqualTo(200);
        }

        Duration quarter = Duration.ofMillis(250);
        Duration second = Duration.ofSeconds(1);
        RouteStats stats = router.admin().stats("web", WINDOW, List.of(), List.of(quarter, second));
        assertThat(stats.track(Track.STABLE).requests()).isEqualTo(24);
        assertThat(stats.track(Track.STABLE).slowerThan().get(quarter)).isBetween(4L, 4L + fastButLate);
        assertThat(stats.track(Track.STABLE).slowerThan().get(second)).isZero();
        assertThat(stats.track(Track.STABLE).slowerThan()).containsOnlyKeys(quarter, second);
        TrafficStats endpoint = stats.endpoints().get(stable.address().toString());
        assertThat(endpoint.slowerThan()).isEqualTo(stats.track(Track.STABLE).slowerThan());
        assertThat(stats.track(Track.CANARY).slowerThan()).isEqualTo(Map.of(quarter, 0L, second, 0L));
        assertThat(router.admin().stats("web", WINDOW).track(Track.STABLE).slowerThan()).as("none asked, none answered").isEmpty();

        // the judge's seam asks the same and gets the counts by the durations it asked for
        TrafficWindow w = new RouterMetricSource(router.admin())
                .window(MetricTarget.of("web"), new MetricQuery(WINDOW, Set.of(99.0), Set.of(quarter, second)));
        assertThat(w.stable().requests()).isEqualTo(24);
        assertThat(w.stable().slowerThan()).isEqualTo(stats.track(Track.STABLE).slowerThan());
        assertThat(w.canary().slowerThan()).isEqualTo(Map.of(quarter, 0L, second, 0L));
    }
}
