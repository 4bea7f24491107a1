package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.http.ClientResponse;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteState;
import io.glidepath.router.client.EndpointStatus;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DrainTest {
    @TempDir
    Path dir;
    SampleProcess a;
    SampleProcess b;
    RouterHarness router;

    @AfterEach
    void stop() throws Exception {
        router.close();
        a.close();
        b.close();
    }

    @Test
    void slowRequestsOnADrainingEndpointAllCompleteAndNewOnesNeverReachIt() throws Exception {
        a = SampleProcess.start("a");
        b = SampleProcess.start("b");
        router = RouterHarness.start(dir);
        RouteState state = router.route("web", List.of(a.address()));

        int slow = 6;
        List<Future<ClientResponse>> inFlight = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < slow; i++) {
                inFlight.add(pool.submit(() -> Http.get(router.port(), "/slow?ms=3000")));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> endpoint(a.address()).inflight() == slow);

            // a leaves the route: it must drain, not drop
            router.admin().put(state.spec().withStable(List.of(b.address())), OptionalLong.of(state.generation()));
            assertThat(endpoint(a.address()).isDraining()).isTrue();
            assertThat(endpoint(a.address()).track()).isEmpty();

            for (int i = 0; i < 50; i++) {
                ClientResponse r = Http.get(router.port(), "/fast");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("X-Version")).as("new requests go to b only").contains("b");
            }
            assertThat(endpoint(a.address()).inflight()).isEqualTo(slow);

            for (Future<ClientResponse> f : inFlight) {
                ClientResponse r = f.get();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("slow hello from sample a\n");
            }
        }
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            EndpointStatus s = endpoint(a.address());
            assertThat(s.inflight()).isZero();
            assertThat(s.isDrained()).isTrue();
            assertThat(s.cut()).isZero();
        });
        // a answered exactly the slow requests: nothing new reached it during its drain
        assertThat(router.admin().stats("web", Duration.ofSeconds(60)).endpoints().get(a.address().toString()).requests()).isEqualTo(slow);
    }

    @Test
    void requestsStillInFlightAtTheDrainDeadlineAreCutAndCounted() throws Exception {
        a = SampleProcess.start("a");
        b = SampleProcess.start("b");
        router = RouterHarness.start(dir);
        RouteState state = router.admin().put(io.glidepath.route.RouteSpec.of("web", io.glidepath.route.RouteMatch.any(), List.of(a.address()))
                .withDrainTimeout(Duration.ofMillis(500)), OptionalLong.empty());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            // POST is not idempotent: once cut it cannot be retried elsewhere
            Future<ClientResponse> cut = pool.submit(() -> Http.send(router.port(),
                    io.glidepath.http.ClientRequest.get("/slow?ms=5000").withBody("POST", "x")));
            await().atMost(Duration.ofSeconds(5)).until(() -> endpoint(a.address()).inflight() == 1);
            router.admin().put(state.spec().withStable(List.of(b.address())), OptionalLong.of(state.generation()));
            assertThat(cut.get().status()).isEqualTo(502);
        }
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            EndpointStatus s = endpoint(a.address());
            assertThat(s.isDrained()).isTrue();
            assertThat(s.cut()).isEqualTo(1);
            assertThat(s.inflight()).isZero();
        });
    }

    private EndpointStatus endpoint(EndpointAddress address) throws Exception {
        return router.admin().endpoints("web").stream().filter(e -> e.address().equals(address)).findFirst().orElseThrow();
    }
}
