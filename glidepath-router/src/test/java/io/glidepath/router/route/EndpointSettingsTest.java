package io.glidepath.router.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.glidepath.http.ClientResponse;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.client.EndpointStatus;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health and drain belong to the version behind an endpoint: each endpoint is checked on its own
 * path and drains by its own timeout, whatever the route's defaults say, and a restarted router keeps
 * both from its state file.
 */
class EndpointSettingsTest {
    private static final Duration FAST = Duration.ofMillis(100);

    @TempDir
    Path dir;

    @Test
    void eachEndpointIsCheckedOnItsOwnVersionsPathAcrossARestart() throws Exception {
        try (Version old = new Version("old", "/web/"); Version fresh = new Version("new", "/health")) {
            HealthCheck routeDefault = new HealthCheck("/health", FAST, Duration.ofSeconds(1), 2, 2);
            RouteSpec web = RouteSpec.of("web", RouteMatch.any(), List.of(old.address())).withCanary(List.of(fresh.address())).withCanaryWeight(5000)
                    .withHealth(routeDefault)
                    .withEndpointSettings(Map.of(old.address(), settings("/web/"), fresh.address(), settings("/health")));
            // the same old version under the route's default check alone: it does not answer /health, so it is taken out
            RouteSpec control = RouteSpec.of("control", new RouteMatch("control.test", "/"), List.of(old.address())).withHealth(routeDefault);
            try (RouterHarness router = RouterHarness.start(dir)) {
                router.admin().put(web, OptionalLong.empty());
                router.admin().put(control, OptionalLong.empty());
                await().atMost(Duration.ofSeconds(10)).until(() -> router.admin().endpoints("control").get(0).health().equals("unhealthy"));
                assertThat(router.admin().endpoints("web")).hasSize(2).allMatch(EndpointStatus::isHealthy);
                assertServesBoth(router);
            }
            try (RouterHarness restarted = RouterHarness.start(dir)) {
                RouteSpec restored = restarted.admin().route("web").orElseThrow().spec();
                assertThat(restored.healthOf(old.address()).path()).isEqualTo("/web/");
                assertThat(restored.healthOf(fresh.address()).path()).isEqualTo("/health");
                int checksBefore = old.checks.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> old.checks.get() > checksBefore + 3);
                assertThat(restarted.admin().endpoints("web")).hasSize(2).allMatch(EndpointStatus::isHealthy);
                assertServesBoth(restarted);
            }
        }
    }

    @Test
    void anEndpointLeavingTheRouteDrainsByItsOwnTimeout() throws Exception {
        try (SampleProcess quick = SampleProcess.start("quick"); SampleProcess patient = SampleProcess.start("patient");
             SampleProcess next = SampleProcess.start("next"); RouterHarness router = RouterHarness.start(dir)) {
            RouteSpec both = RouteSpec.of("web", RouteMatch.any(), List.of(quick.address(), patient.address()))
                    .withEndpointSettings(Map.of(quick.address(), new EndpointSettings(HealthCheck.tcpDefault(), Duration.ofMillis(300))));
            long generation = router.admin().put(both, OptionalLong.empty()).generation();
            List<Future<ClientResponse>> slow = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 12; i++) {
                    slow.add(pool.submit(() -> Http.get(router.port(), "/slow?ms=4000")));
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> inflight(router, quick.address()) > 0 && inflight(router, patient.address()) > 0);

                router.admin().put(both.withStable(List.of(next.address())), OptionalLong.of(generation));
                // quick's own 300 ms pass long before the slow requests end: cut; patient has the route's 30 s: it waits for them
                await().atMost(Duration.ofSeconds(3)).until(() -> status(router, quick.address()).cut() > 0);
                assertThat(status(router, patient.address()).isDraining()).isTrue();
                assertThat(status(router, patient.address()).cut()).isZero();
                Set<Integer> statuses = new HashSet<>();
                for (Future<ClientResponse> f : slow) {
                    try {
                        statuses.add(f.get().status());
                    } catch (java.util.concurrent.ExecutionException cut) {
                        statuses.add(-1); // a request on quick, cut at its drain timeout
                    }
                }
                assertThat(statuses).contains(200);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> status(router, patient.address()).isDrained());
            assertThat(status(router, patient.address()).cut()).as("patient's requests all finished").isZero();
        }
    }

    private static EndpointSettings settings(String path) {
        return new EndpointSettings(new HealthCheck(path, FAST, Duration.ofSeconds(1), 2, 2), RouteSpec.DEFAULT_DRAIN_TIMEOUT);
    }

    private static void assertServesBoth(RouterHarness router) throws Exception {
        Set<String> versions = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            ClientResponse r = Http.get(router.port(), "/");
            assertThat(r.status()).isEqualTo(200);
            versions.add(r.bodyText());
        }
        assertThat(versions).containsExactlyInAnyOrder("old", "new");
    }

    private static int inflight(RouterHarness router, EndpointAddress a) throws Exception {
        return status(router, a).inflight();
    }

    private static EndpointStatus status(RouterHarness router, EndpointAddress a) throws Exception {
        return router.admin().endpoints("web").stream().filter(e -> e.address().equals(a)).findFirst().orElseThrow();
    }

    /** A version that answers {@code /} with its name and only its own health path; 404 anywhere else. */
    static final class Version implements AutoCloseable {
        final HttpServer server;
        final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        final AtomicInteger checks = new AtomicInteger();

        Version(String name, String healthPath) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.setExecutor(executor);
            server.createContext("/", ex -> {
                String path = ex.getRequestURI().getPath();
                byte[] body = (path.equals(healthPath) ? "ok" : name).getBytes(StandardCharsets.UTF_8);
                if (path.equals(healthPath)) {
                    checks.incrementAndGet();
                }
                int status = path.equals("/") || path.equals(healthPath) ? 200 : 404;
                ex.sendResponseHeaders(status, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            server.start();
        }

        EndpointAddress address() {
            return new EndpointAddress("127.0.0.1", server.getAddress().getPort());
        }

        @Override
        public void close() {
            server.stop(0);
            executor.close();
        }
    }
}
