package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.http.ClientRequest;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Track;
import io.glidepath.router.client.EndpointStatus;
import io.glidepath.router.client.RouteStats;
import io.glidepath.router.client.TrafficStats;
import io.glidepath.router.testkit.HangUpBackend;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendCrashTest {
    @TempDir
    Path dir;
    SampleProcess a;
    SampleProcess b;
    SampleProcess c;
    RouterHarness router;

    @AfterEach
    void stop() throws Exception {
        router.close();
        for (SampleProcess p : new SampleProcess[] {a, b, c}) {
            if (p != null) {
                p.close();
            }
        }
    }

    @Test
    void aCanaryWhoseEveryInstanceDiesAtOnceUnderLoadFailsNoRequest() throws Exception {
        a = SampleProcess.start("stable");
        b = SampleProcess.start("canary");
        c = SampleProcess.start("canary");
        router = RouterHarness.start(dir);
        var s = router.route("web", List.of(a.address()));
        router.admin().put(s.spec().withCanary(List.of(b.address(), c.address())).withCanaryWeight(5_000), OptionalLong.of(s.generation()));

        try (LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", router.port(), 16)
                .withPaths(List.of("/", "/slow?ms=50"))).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 2_000);
            // both canary instances die together, as a crashing version does: a retry on the other canary instance cannot help
            b.kill9();
            c.kill9();
            long atKill = load.requestCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() > atKill + 3_000);
            load.close();
            assertThat(load.failures()).as("failures seen by clients: the shield answers from stable").isEmpty();
        }
        var canary = router.admin().stats("web", Duration.ofSeconds(60)).track(Track.CANARY);
        assertThat(canary.status5xx()).as("the canary's failures count against it").isPositive();
        assertThat(canary.shielded()).isEqualTo(canary.status5xx());
    }

    @Test
    void killingOneOfTwoStableBackendsUnderGetLoadFailsNoRequest() throws Exception {
        a = SampleProcess.start("a");
        b = SampleProcess.start("b");
        router = RouterHarness.start(dir);
        router.route("web", List.of(a.address(), b.address()));

        try (LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", router.port(), 16)
                .withPaths(List.of("/", "/slow?ms=20"))).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 2_000);
            a.kill9();
            long atKill = load.requestCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() > atKill + 4_000);
            load.close();
            assertThat(load.failures()).as("failures seen by clients").isEmpty();
            System.out.printf("crash: %d requests, %d after the kill%n", load.requestCount(), load.requestCount() - atKill);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            EndpointStatus dead = router.admin().endpoints("web").stream().filter(e -> e.address().equals(a.address())).findFirst().orElseThrow();
            assertThat(dead.isHealthy()).isFalse();
        });
    }

    @Test
    void aBackendThatHangsUpCountsWithItsRealLatencyOnTheTrackAndTheEndpointAlike() throws Exception {
        Duration hold = Duration.ofMillis(300);
        try (HangUpBackend silent = HangUpBackend.silent(hold); HangUpBackend cut = HangUpBackend.midResponse(hold)) {
            router = RouterHarness.start(dir);
            router.admin().put(RouteSpec.of("silent", new RouteMatch(null, "/silent"), List.of(silent.address())), OptionalLong.empty());
            router.admin().put(RouteSpec.of("cut", new RouteMatch(null, "/cut"), List.of(cut.address())), OptionalLong.empty());
            await().atMost(Duration.ofSeconds(10)).until(() -> router.admin().endpoints("silent").get(0).isHealthy()
                    && router.admin().endpoints("cut").get(0).isHealthy());

            // a POST is not retried: the router answers 502 itself once the backend hangs up
            assertThat(Http.send(router.port(), ClientRequest.get("/silent/order").withBody("POST", "x")).status()).isEqualTo(502);
            // a response cut in the middle: the client sees the connection end
            assertThat(Http.raw(router.port(), "GET /cut/page HTTP/1.1\r\nHost: shop\r\n\r\n")).startsWith("HTTP/1.1 200").endsWith("partial");

            for (var h : List.of(silent, cut)) {
                String route = h == silent ? "silent" : "cut";
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    RouteStats stats = router.admin().stats(route, Duration.ofSeconds(60));
                    TrafficStats track = stats.track(Track.STABLE);
                    TrafficStats endpoint = stats.endpoints().get(h.address().toString());
                    assertThat(track.status5xx()).as(route + ": the track counts the 502").isEqualTo(1);
                    assertThat(track.maxMillis()).as(route + ": the track's latency").isGreaterThanOrEqualTo(hold.toMillis() * 0.9);
                    assertThat(endpoint.status5xx()).as(route + ": the endpoint counts the same 502").isEqualTo(1);
                    assertThat(endpoint.maxMillis()).as(route + ": the endpoint's latency is the track's").isEqualTo(track.maxMillis());
                });
            }
        }
    }
}
