package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.route.RouteState;
import io.glidepath.route.Track;
import io.glidepath.router.client.RouteStats;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CanaryShieldTest {
    @TempDir
    Path dir;
    SampleProcess stable;
    SampleProcess canary;
    RouterHarness router;

    @AfterEach
    void stop() throws Exception {
        router.close();
        stable.close();
        canary.close();
    }

    /** Stable v1, canary v2 answering 500 to everything, at the given weight. */
    private void startWithFailingCanaryAt(int weight) throws Exception {
        stable = SampleProcess.start("v1");
        canary = SampleProcess.start("v2", Map.of("ERROR_RATE", "100%"));
        router = RouterHarness.start(dir);
        RouteState s = router.route("web", List.of(stable.address()));
        router.admin().put(s.spec().withCanary(List.of(canary.address())).withCanaryWeight(weight), OptionalLong.of(s.generation()));
    }

    @Test
    void usersNeverSeeABadCanarysErrorsButTheStatsDo() throws Exception {
        startWithFailingCanaryAt(5000);

        long served;
        try (LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", router.port(), 16).withUsersPerConnection(8)).start()) {
            LockSupport.parkNanos(Duration.ofSeconds(5).toNanos());
            load.close();
            assertThat(load.failures()).as("errors seen by users").isEmpty();
            assertThat(load.requestCount()).isGreaterThan(1_000);
            assertThat(load.snapshot().byVersion()).containsOnlyKeys("v1");
            served = load.requestCount();
        }
        RouteStats stats = router.admin().stats("web", Duration.ofSeconds(30));
        assertThat(stats.track(Track.CANARY).status5xx()).as("canary 5xx seen by the analysis").isGreaterThan(300);
        assertThat(stats.track(Track.CANARY).errorRate()).isEqualTo(1.0);
        assertThat(stats.track(Track.CANARY).shielded()).isEqualTo(stats.track(Track.CANARY).status5xx());
        assertThat(stats.track(Track.STABLE).status5xx()).isZero();
        assertThat(stats.track(Track.STABLE).requests()).as("the split's other half").isGreaterThan(300);
        assertThat(stats.shieldAnswers().requests()).as("stable answered each shielded request, apart from its own")
                .isEqualTo(stats.track(Track.CANARY).shielded());
        assertThat(stats.track(Track.STABLE).requests() + stats.track(Track.CANARY).requests())
                .as("each user request once, on stable or on the canary").isBetween(served, served + 16);
    }

    @Test
    void aShieldedRequestCountsOnceAsTheCanarysFailureAndNotAgainAsAStableRequest() throws Exception {
        startWithFailingCanaryAt(10_000);
        for (int i = 0; i < 12; i++) {
            ClientResponse r = Http.get(router.port(), "/");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("X-Version")).contains("v1");
        }
        RouteStats stats = router.admin().stats("web", Duration.ofSeconds(30));
        assertThat(stats.track(Track.CANARY).requests()).isEqualTo(12);
        assertThat(stats.track(Track.CANARY).status5xx()).isEqualTo(12);
        assertThat(stats.track(Track.CANARY).shielded()).isEqualTo(12);
        assertThat(stats.track(Track.STABLE).requests()).as("the split sent none of them to stable").isZero();
        assertThat(stats.shieldAnswers().requests()).isEqualTo(12);
        assertThat(stats.shieldAnswers().status2xx()).isEqualTo(12);
        assertThat(stats.endpoints().get(stable.address().toString()).requests()).as("the stable endpoint counts what it answered").isEqualTo(12);
        assertThat(stats.endpoints().get(canary.address().toString()).shielded()).isEqualTo(12);
    }

    @Test
    void aTestersRequestToTheCanaryIsNeitherShieldedNorInTheSplitsFigures() throws Exception {
        startWithFailingCanaryAt(0);
        for (int i = 0; i < 3; i++) {
            assertThat(Http.send(router.port(), ClientRequest.get("/").withHeader("X-Glidepath-Track", "canary")).status()).isEqualTo(500);
        }
        RouteStats stats = router.admin().stats("web", Duration.ofSeconds(30));
        assertThat(stats.overridden(Track.CANARY).status5xx()).isEqualTo(3);
        assertThat(stats.overridden(Track.CANARY).shielded()).isZero();
        assertThat(stats.track(Track.CANARY).requests()).isZero();
        assertThat(stats.shieldAnswers().requests()).isZero();
    }

    @Test
    void aTesterWhoAsksForTheCanarySeesItsRealAnswer() throws Exception {
        startWithFailingCanaryAt(0);
        ClientResponse r = Http.send(router.port(), ClientRequest.get("/").withHeader("X-Glidepath-Track", "canary"));
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.header("X-Version")).contains("v2");
    }

    @Test
    void aPostToABadCanaryIsNotReplayedOnStable() throws Exception {
        startWithFailingCanaryAt(10_000);
        ClientResponse r = Http.send(router.port(), ClientRequest.get("/orders").withBody("POST", "{}"));
        assertThat(r.status()).as("only safe requests are shielded").isEqualTo(500);
    }
}
