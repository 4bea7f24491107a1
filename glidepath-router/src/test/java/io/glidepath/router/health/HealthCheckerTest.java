package io.glidepath.router.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.router.endpoint.Endpoint.Health;
import io.glidepath.router.health.HealthChecker.Target;
import io.glidepath.router.health.HealthChecker.TargetKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
    HttpServer server;
    final AtomicInteger status = new AtomicInteger(200);
    final List<Health> changes = new CopyOnWriteArrayList<>();
    HealthChecker checker;
    TargetKey key;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.createContext("/health", ex -> {
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        server.start();
        key = new TargetKey("web", new EndpointAddress("127.0.0.1", server.getAddress().getPort()));
        checker = new HealthChecker((k, h) -> changes.add(h));
    }

    @AfterEach
    void stop() {
        checker.close();
        server.stop(0);
    }

    @Test
    void aPendingEndpointIsHealthyAfterOnePassThenFollowsItsThresholds() {
        HealthCheck check = new HealthCheck("/health", Duration.ofMillis(100), Duration.ofMillis(500), 2, 3);
        checker.reconcile(List.of(new Target(key, check, Health.PENDING)));
        await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(Health.HEALTHY)));
        status.set(503);
        await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(Health.HEALTHY, Health.UNHEALTHY)));
        status.set(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(Health.HEALTHY, Health.UNHEALTHY, Health.HEALTHY)));
    }

    @Test
    void routesRestoredWithDifferentHealthForOneSharedEndpointAllTakeItsFirstResult() {
        List<String> told = new CopyOnWriteArrayList<>();
        checker.close();
        checker = new HealthChecker(new HealthChecker.Listener() {
            @Override
            public void healthChanged(TargetKey k, Health h) {
                told.add(k.route() + "=" + h);
            }

            @Override
            public void confirmed(TargetKey k, Health h) {
                told.add(k.route() + " confirmed " + h);
            }
        });
        HealthCheck check = new HealthCheck("/health", Duration.ofSeconds(30), Duration.ofMillis(500), 2, 2);
        TargetKey other = new TargetKey("api", key.address());
        checker.reconcile(List.of(new Target(key, check, Health.HEALTHY, true), new Target(other, check, Health.UNHEALTHY, true)));
        assertThat(checker.probes()).as("one endpoint, one check: one probe").isEqualTo(1);
        // the one probe passes: the route restored healthy has it confirmed, the one restored unhealthy is told healthy
        await().atMost(Duration.ofSeconds(10)).until(() -> told.size() >= 2);
        assertThat(told).containsExactlyInAnyOrder("web confirmed HEALTHY", "api=HEALTHY");
    }

    @Test
    void aTcpCheckFailsWhenNothingListens() {
        server.stop(0);
        HealthCheck check = HealthCheck.tcpDefault().withInterval(Duration.ofMillis(100)).withTimeout(Duration.ofMillis(200));
        checker.reconcile(List.of(new Target(key, check, Health.HEALTHY)));
        await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(Health.UNHEALTHY)));
    }

    @Test
    void aTargetLeftOutOfTheReconcileIsNoLongerChecked() {
        HealthCheck check = new HealthCheck("/health", Duration.ofMillis(100), Duration.ofMillis(500), 1, 1);
        checker.reconcile(List.of(new Target(key, check, Health.HEALTHY)));
        checker.reconcile(List.of());
        status.set(500);
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> true);
        assertThat(changes).isEmpty();
    }

    @Test
    void aRestoredHealthyEndpointIsCheckedAtOnceAndLeavesOnItsFirstFailure() {
        status.set(503);
        // a long interval and a threshold of 3: only the immediate first check of a restored endpoint can act in time
        HealthCheck check = new HealthCheck("/health", Duration.ofSeconds(30), Duration.ofMillis(500), 2, 3);
        checker.reconcile(List.of(new Target(key, check, Health.HEALTHY, true)));
        await().atMost(Duration.ofSeconds(10)).until(() -> changes.equals(List.of(Health.UNHEALTHY)));
    }

    @Test
    void aRestoredHealthyEndpointThatPassesIsConfirmedWithoutAChange() {
        List<Health> confirmed = new CopyOnWriteArrayList<>();
        checker.close();
        checker = new HealthChecker(new HealthChecker.Listener() {
            @Override
            public void healthChanged(TargetKey k, Health h) {
                changes.add(h);
            }

            @Override
            public void confirmed(TargetKey k, Health h) {
                confirmed.add(h);
            }
        });
        HealthCheck check = new HealthCheck("/health", Duration.ofSeconds(30), Duration.ofMillis(500), 2, 3);
        checker.reconcile(List.of(new Target(key, check, Health.HEALTHY, true)));
        await().atMost(Duration.ofSeconds(10)).until(() -> confirmed.equals(List.of(Health.HEALTHY)));
        assertThat(changes).isEmpty();
    }

    @Test
    void aHealthyEndpointNotRestoredKeepsItsThresholdAndInterval() {
        status.set(503);
        HealthCheck check = new HealthCheck("/health", Duration.ofMillis(300), Duration.ofMillis(500), 2, 3);
        checker.reconcile(List.of(new Target(key, check, Health.HEALTHY)));
        // three failures one interval apart: not before about 900 ms
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(changes::isEmpty);
        await().atMost(Duration.ofSeconds(3)).until(() -> changes.equals(List.of(Health.UNHEALTHY)));
    }
}
