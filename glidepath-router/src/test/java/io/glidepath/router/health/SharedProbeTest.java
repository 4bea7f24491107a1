package io.glidepath.router.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint.Health;
import io.glidepath.router.route.RouteRegistry;
import io.glidepath.router.state.StateFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fifty routes on one real backend send it one health probe an interval, not fifty; each route still
 * sees every change of that endpoint's health, and the state file keeps it for each route. A route
 * whose check differs (another path) gets a probe of its own.
 */
class SharedProbeTest {
    static final Duration INTERVAL = Duration.ofMillis(300);
    static final int ROUTES = 50;

    @TempDir
    Path dir;
    HttpServer backend;
    final List<Long> healthHits = new CopyOnWriteArrayList<>();
    final AtomicInteger otherHits = new AtomicInteger();
    final AtomicInteger status = new AtomicInteger(200);
    RouteRegistry registry;

    @BeforeEach
    void start() throws Exception {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        backend.createContext("/health", ex -> {
            healthHits.add(System.nanoTime());
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        backend.createContext("/other-health", ex -> {
            otherHits.incrementAndGet();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        backend.start();
        registry = new RouteRegistry(new StateFile(dir));
        registry.restore(StateFile.Contents.EMPTY);
    }

    @AfterEach
    void stop() {
        registry.close();
        backend.stop(0);
    }

    EndpointAddress address() {
        return new EndpointAddress("127.0.0.1", backend.getAddress().getPort());
    }

    HealthCheck check(String path) {
        return new HealthCheck(path, INTERVAL, Duration.ofSeconds(1), 1, 1);
    }

    Health healthIn(String route) {
        return registry.table().route(route).endpoints(Track.STABLE)[0].health();
    }

    @Test
    void routesSharingAnEndpointShareItsProbeAndEachSeesItsHealth() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ROUTES; i++) {
            String name = "svc" + i;
            names.add(name);
            registry.put(RouteSpec.of(name, new RouteMatch(name + ".test", "/"), List.of(address())).withHealth(check("/health")),
                    OptionalLong.empty());
        }
        assertThat(names).allMatch(n -> healthIn(n) == Health.HEALTHY);
        assertThat(registry.healthProbes()).isEqualTo(1);

        // the first route's endpoint was probed, the others took its known health; then one probe per interval for all
        // fifty routes (fifty probes, or fifty first probes, would come within milliseconds of each other)
        await().atMost(Duration.ofSeconds(10)).until(() -> healthHits.size() >= 6);
        List<Long> hits = List.copyOf(healthHits);
        for (int i = 1; i < hits.size(); i++) {
            assertThat(Duration.ofNanos(hits.get(i) - hits.get(i - 1))).as("gap before probe %d", i).isGreaterThan(INTERVAL.dividedBy(2));
        }

        // the endpoint fails: every route hears it, and the state file keeps it for each
        status.set(503);
        await().atMost(Duration.ofSeconds(10)).until(() -> names.stream().allMatch(n -> healthIn(n) == Health.UNHEALTHY));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            StateFile.Contents onDisk = new StateFile(dir).load();
            return names.stream().allMatch(n -> onDisk.health(n, address()).equals(Optional.of(Health.UNHEALTHY)));
        });
        status.set(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> names.stream().allMatch(n -> healthIn(n) == Health.HEALTHY));

        // another check of the same address is another probe; deleting the routes of one check stops its probe
        registry.put(RouteSpec.of("other", new RouteMatch("other.test", "/"), List.of(address())).withHealth(check("/other-health")),
                OptionalLong.empty());
        assertThat(registry.healthProbes()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> otherHits.get() >= 2);
        for (String n : names) {
            registry.delete(n, OptionalLong.empty());
        }
        assertThat(registry.healthProbes()).isEqualTo(1);
        int after = healthHits.size();
        await().during(INTERVAL.multipliedBy(3)).atMost(INTERVAL.multipliedBy(4)).until(() -> healthHits.size() <= after + 1);
        assertThat(healthIn("other")).isEqualTo(Health.HEALTHY);
    }
}
