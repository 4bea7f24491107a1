package io.glidepath.testkit.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the load generator does, never how fast: every request is counted once, as a success or as a
 * failure with its reason; a paced load is spread over time and never runs ahead of its rate; each
 * connection has at most one request in flight, so a slow server is not flooded. A loaded machine
 * only makes the load slower, and nothing here asserts a lower bound on speed.
 */
class LoadGeneratorTest {
    static final Duration MAX = Duration.ofSeconds(30);

    HttpServer server;
    final AtomicInteger served = new AtomicInteger();
    final AtomicInteger withCookie = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    /** System.nanoTime() as each request reached the server (same JVM, same clock as the test). */
    final ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            arrivals.add(System.nanoTime());
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                int n = served.incrementAndGet();
                if (ex.getRequestHeaders().containsKey("Cookie")) {
                    withCookie.incrementAndGet();
                }
                String path = ex.getRequestURI().getPath();
                if (path.equals("/slow")) {
                    // a slow backend: one pause per request, so that requests overlap if the client lets them
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                ex.getResponseHeaders().set("X-Version", n % 2 == 0 ? "v2" : "v1");
                ex.getResponseHeaders().set("Set-Cookie", "id=abc; Path=/");
                ex.sendResponseHeaders(path.equals("/bad") ? 503 : 200, 2);
                ex.getResponseBody().write("ok".getBytes());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
                ex.close();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Test
    void countsEveryRequestOnceWithItsVersionAndEachFailureWithItsReasonAndKeepsCookies() {
        LoadGenerator.Config cfg = LoadGenerator.Config.of("127.0.0.1", port(), 4).withPaths(List.of("/", "/", "/", "/bad"));
        try (LoadGenerator load = new LoadGenerator(cfg).start()) {
            await().atMost(MAX).until(() -> load.requestCount() >= 400);
            load.close();
            LoadGenerator.Snapshot s = load.snapshot();
            assertThat(s.requests()).isEqualTo(served.get());
            // each connection takes the paths in turn: a quarter of the requests went to /bad, give or take one per connection
            assertThat(s.failures()).isEqualTo(load.failureCount()).isBetween(s.requests() / 4 - 4, s.requests() / 4 + 4);
            assertThat(load.failures()).hasSize((int) s.failures()).allSatisfy(f -> {
                assertThat(f.path()).isEqualTo("/bad");
                assertThat(f.reason()).startsWith("HTTP 503");
            });
            assertThat(s.byVersion().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(s.requests());
            assertThat(s.byVersion()).containsOnlyKeys("v1", "v2");
            // only each connection's first request goes without the cookie the server set
            assertThat(withCookie.get()).isGreaterThanOrEqualTo(served.get() - 4);
        }
    }

    @Test
    void aPacedLoadIsSpreadOverTimeAndNeverRunsAheadOfItsRate() {
        double rate = 40;
        int connections = 2;
        LoadGenerator.Config cfg = LoadGenerator.Config.of("127.0.0.1", port(), connections).withRate(rate);
        long started = System.nanoTime();
        try (LoadGenerator load = new LoadGenerator(cfg).start()) {
            await().atMost(MAX).until(() -> served.get() >= 20);
            load.close();
            long elapsedNanos = System.nanoTime() - started;
            assertThat(load.requestCount()).isEqualTo(served.get());
            assertThat(load.failureCount()).isZero();
            // ahead of the rate would be more than rate x time (plus each connection's first request)
            assertThat(load.requestCount()).isLessThanOrEqualTo((long) (rate * elapsedNanos / 1e9) + connections);
            // spread: the k-th request to arrive (from 1) cannot have been sent before (k - connections) / rate
            // seconds, as each connection sends one request every connections / rate seconds
            List<Long> sorted = new ArrayList<>(arrivals);
            sorted.sort(null);
            for (int k = 1; k <= sorted.size(); k++) {
                double earliest = (k - connections) / rate;
                assertThat((sorted.get(k - 1) - started) / 1e9).as("request %d of %d", k, sorted.size()).isGreaterThanOrEqualTo(earliest);
            }
        }
    }

    @Test
    void aSlowServerGetsAtMostOneRequestPerConnectionAtATime() {
        int connections = 3;
        LoadGenerator.Config cfg = LoadGenerator.Config.of("127.0.0.1", port(), connections).withPaths(List.of("/slow"));
        try (LoadGenerator load = new LoadGenerator(cfg).start()) {
            await().atMost(MAX).until(() -> served.get() >= 30);
            load.close();
            assertThat(maxInFlight.get()).isBetween(1, connections);
            assertThat(load.requestCount()).isEqualTo(served.get());
            assertThat(load.failureCount()).isZero();
        }
    }

    @Test
    void countsEveryRequestToAServerThatIsNotThereAsAFailureWithItsReason() throws Exception {
        int gone;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            gone = s.getLocalPort();
        }
        LoadGenerator.Config cfg = LoadGenerator.Config.of("127.0.0.1", gone, 2).withRate(100);
        try (LoadGenerator load = new LoadGenerator(cfg).start()) {
            await().atMost(MAX).until(() -> load.failureCount() >= 10);
            load.close();
            assertThat(load.failureCount()).isEqualTo(load.requestCount());
            assertThat(load.failures()).hasSize((int) load.failureCount())
                    .allSatisfy(f -> assertThat(f.reason()).startsWith("ConnectException"));
            assertThat(load.lastFailureMillis()).isBetween(0L, load.elapsedMillis());
            assertThat(load.snapshot().byVersion()).isEmpty();
        }
    }
}
