package io.glidepath.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {
    HttpServer server;
    final AtomicInteger served = new AtomicInteger();
    final AtomicInteger withCookie = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            int n = served.incrementAndGet();
            if (ex.getRequestHeaders().containsKey("Cookie")) {
                withCookie.incrementAndGet();
            }
            ex.getResponseHeaders().set("X-Version", n % 2 == 0 ? "v2" : "v1");
            ex.getResponseHeaders().set("Set-Cookie", "id=abc; Path=/");
            int status = ex.getRequestURI().getPath().equals("/bad") ? 503 : 200;
            ex.sendResponseHeaders(status, 2);
            ex.getResponseBody().write("ok".getBytes());
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void countsRequestsVersionsAndFailuresAndKeepsCookies() {
        LoadGenerator.Config cfg = LoadGenerator.Config.of("127.0.0.1", server.getAddress().getPort(), 4)
                .withPaths(List.of("/", "/", "/", "/bad"));
        try (LoadGenerator load = new LoadGenerator(cfg).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() >= 400);
            load.close();
            LoadGenerator.Snapshot s = load.snapshot();
            assertThat(s.requests()).isEqualTo(served.get());
            assertThat(s.failures()).isEqualTo(load.failureCount()).isBetween(s.requests() / 4 - 8, s.requests() / 4 + 8);
            assertThat(load.failures()).allSatisfy(f -> {
                assertThat(f.path()).isEqualTo("/bad");
                assertThat(f.reason()).startsWith("HTTP 503");
            });
            assertThat(s.byVersion().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(s.requests());
            assertThat(withCookie.get()).isGreaterThan(served.get() - 8);
        }
    }

    @Test
    void pacesToTheRequestedRate() {
        LoadGenerator.Config cfg = LoadGenerator.Config.of("127.0.0.1", server.getAddress().getPort(), 4).withRate(200);
        try (LoadGenerator load = new LoadGenerator(cfg).start()) {
            long start = System.nanoTime();
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
            load.close();
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(load.requestCount() / seconds).isBetween(150.0, 250.0);
            assertThat(load.failureCount()).isZero();
        }
    }
}
