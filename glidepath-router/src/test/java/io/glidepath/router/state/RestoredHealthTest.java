package io.glidepath.router.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.glidepath.http.ClientResponse;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.client.EndpointStatus;
import io.glidepath.router.endpoint.Endpoint.Health;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted router takes its endpoints' last known health from its state file (as HAProxy's
 * server-state-file does): healthy ones serve at once and are checked at once; a dead one is taken out
 * by that first check, its requests retried on a live endpoint meanwhile.
 */
class RestoredHealthTest {
    /** Long enough that only the immediate first check of a restored endpoint can act within a test. */
    static final Duration LONG_INTERVAL = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aRestartedRouterServesARestoredHealthyEndpointBeforeItsFirstCheckAnswers() throws Exception {
        try (Backend a = new Backend("a", 200); Backend failing = new Backend("new", 503)) {
            HealthCheck check = new HealthCheck("/health", LONG_INTERVAL, Duration.ofSeconds(20), 2, 2);
            try (RouterHarness first = RouterHarness.start(dir)) {
                first.admin().put(RouteSpec.of("web", RouteMatch.any(), List.of(a.address())).withHealth(check), OptionalLong.empty());
                assertThat(first.admin().endpoints("web")).allMatch(EndpointStatus::isHealthy);
            }
            assertThat(new StateFile(dir).load().health("web", a.address())).as("written when the route's endpoint passed").contains(Health.HEALTHY);

            a.holdChecks(); // from now on a's health check does not answer until released
            int checksBefore = a.checks.get();
            try (RouterHarness second = RouterHarness.start(dir)) {
                // served at once: no check has answered (the only one sent is held), none was awaited
                ClientResponse r = Http.get(second.port(), "/");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("X-Version")).contains("a");
                // and the first check went out at once, not one interval (a minute) later
                await().atMost(Duration.ofSeconds(5)).until(() -> a.checks.get() > checksBefore);
                assertThat(a.held()).as("the check is still unanswered").isTrue();
                a.releaseChecks();

                // an endpoint the admin API adds after the restart still passes its check before traffic (issue 2)
                RouteState web = second.admin().route("web").orElseThrow();
                second.admin().put(web.spec().withStable(List.of(a.address(), failing.address())), OptionalLong.of(web.generation()));
                for (int i = 0; i < 20; i++) {
                    assertThat(Http.get(second.port(), "/").header("X-Version")).contains("a");
                }
                assertThat(failing.served.get()).as("requests to the endpoint that never passed").isZero();
            }
        }
    }

    @Test
    void aRestoredEndpointThatIsDeadNowIsTakenOutAndNoRequestFails() throws Exception {
        try (SampleProcess a = SampleProcess.start("a"); SampleProcess b = SampleProcess.start("b")) {
            HealthCheck check = new HealthCheck("/ready", LONG_INTERVAL, Duration.ofSeconds(1), 2, 3);
            try (RouterHarness first = RouterHarness.start(dir)) {
                first.admin().put(RouteSpec.of("web", RouteMatch.any(), List.of(a.address(), b.address())).withHealth(check), OptionalLong.empty());
            }
            StateFile.Contents written = new StateFile(dir).load();
            assertThat(written.health("web", a.address())).contains(Health.HEALTHY);
            assertThat(written.health("web", b.address())).contains(Health.HEALTHY);
            b.kill9(); // died while the router was away

            try (RouterHarness second = RouterHarness.start(dir)) {
                // from the first request on, none fails: a connect refused by b is retried on a
                for (int i = 0; i < 40; i++) {
                    ClientResponse r = Http.get(second.port(), "/");
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(r.header("X-Version")).contains("a");
                }
                // b is out after one failed check (threshold 3 at a minute's interval would take minutes)
                await().atMost(Duration.ofSeconds(5)).until(() -> second.admin().endpoints("web").stream()
                        .anyMatch(e -> e.address().equals(b.address()) && e.health().equals("unhealthy")));
                // and the state file says so, for the next restart
                await().atMost(Duration.ofSeconds(5)).until(() -> new StateFile(dir).load().health("web", b.address()).equals(java.util.Optional.of(Health.UNHEALTHY)));
                assertThat(new StateFile(dir).load().health("web", a.address())).contains(Health.HEALTHY);
            }
        }
    }

    /** A backend in this JVM whose health check answers {@code checkStatus}, or waits while held. */
    static final class Backend implements AutoCloseable {
        final HttpServer server;
        final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        final AtomicInteger checks = new AtomicInteger();
        final AtomicInteger served = new AtomicInteger();
        volatile CountDownLatch hold = new CountDownLatch(0);

        Backend(String version, int checkStatus) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            server.setExecutor(executor);
            server.createContext("/health", ex -> {
                checks.incrementAndGet();
                try {
                    hold.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.sendResponseHeaders(checkStatus, -1);
                ex.close();
            });
            server.createContext("/", ex -> {
                served.incrementAndGet();
                byte[] body = version.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("X-Version", version);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            server.start();
        }

        EndpointAddress address() {
            return new EndpointAddress("127.0.0.1", server.getAddress().getPort());
        }

        void holdChecks() {
            hold = new CountDownLatch(1);
        }

        boolean held() {
            return hold.getCount() > 0;
        }

        void releaseChecks() {
            hold.countDown();
        }

        @Override
        public void close() {
            releaseChecks();
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
