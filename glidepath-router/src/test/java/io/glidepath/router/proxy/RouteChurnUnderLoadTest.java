package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's central promise: while routes change under it in every way the engine will change
 * them, users see no failed request.
 */
class RouteChurnUnderLoadTest {
    static final int CLIENTS = 32;
    static final int CHANGES = 200;
    static final Duration RUN = Duration.ofSeconds(21);

    @TempDir
    Path dir;
    final List<SampleProcess> backends = new ArrayList<>();
    RouterHarness router;

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        for (SampleProcess b : backends) {
            b.close();
        }
    }

    @Test
    void thirtyTwoKeepAliveClientsSeeNoFailureWhileRoutesChange() throws Exception {
        for (int i = 1; i <= 5; i++) {
            backends.add(SampleProcess.start("v" + i));
        }
        router = RouterHarness.start(dir);
        RouterAdminClient admin = router.admin();
        Random rnd = new Random(42);
        RouteSpec base = RouteSpec.of("web", RouteMatch.any(), List.of(backends.get(0).address()))
                .withHealth(HealthCheck.http("/health").withInterval(Duration.ofMillis(500)))
                .withDrainTimeout(Duration.ofSeconds(10));
        RouteState state = admin.put(base, OptionalLong.of(0));

        LoadGenerator.Config cfg = LoadGenerator.Config.of("127.0.0.1", router.port(), CLIENTS)
                .withPaths(List.of("/", "/a", "/slow?ms=150", "/b"));
        int[] kinds = new int[5];
        try (LoadGenerator load = new LoadGenerator(cfg).start()) {
            long start = System.nanoTime();
            for (int i = 0; i < CHANGES; i++) {
                long due = start + RUN.toNanos() * (i + 1) / (CHANGES + 1);
                LockSupport.parkNanos(due - System.nanoTime());
                int kind = rnd.nextInt(5);
                kinds[kind]++;
                state = change(admin, state, kind, rnd);
            }
            LockSupport.parkNanos(start + RUN.toNanos() - System.nanoTime());
            load.close();
            System.out.printf("churn: %d requests, %d failures, changes by kind %s%n", load.requestCount(), load.failureCount(),
                    java.util.Arrays.toString(kinds));
            assertThat(load.failures()).as("failures seen by clients").isEmpty();
            assertThat(load.requestCount()).as("requests sent").isGreaterThan(2_000);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(20));
        }
        assertThat(java.util.Arrays.stream(kinds).min().orElse(0)).as("changes of each kind").isGreaterThan(10);
    }

    /** One random change of the kinds the engine makes: weight, add, remove, drain, replace. */
    private RouteState change(RouterAdminClient admin, RouteState state, int kind, Random rnd) throws Exception {
        RouteSpec s = state.spec();
        OptionalLong gen = OptionalLong.of(state.generation());
        List<EndpointAddress> unused = new ArrayList<>(backends.stream().map(SampleProcess::address).toList());
        unused.removeAll(s.allEndpoints());
        switch (kind) {
            case 0 -> {
                return admin.setWeight("web", rnd.nextInt(10_001), gen);
            }
            case 1 -> {
                if (unused.isEmpty()) {
                    return admin.setWeight("web", rnd.nextInt(10_001), gen);
                }
                EndpointAddress add = unused.get(rnd.nextInt(unused.size()));
                RouteSpec next = rnd.nextBoolean() ? s.withStable(plus(s.stable(), add)) : s.withCanary(plus(s.canary(), add));
                return admin.put(next, gen);
            }
            case 2 -> {
                List<EndpointAddress> removable = new ArrayList<>(s.canary());
                if (s.stable().size() > 1) {
                    removable.addAll(s.stable());
                }
                if (removable.isEmpty()) {
                    return admin.setWeight("web", rnd.nextInt(10_001), gen);
                }
                EndpointAddress gone = removable.get(rnd.nextInt(removable.size()));
                return admin.put(s.without(Set.of(gone)), gen);
            }
            case 3 -> {
                List<EndpointAddress> drainable = new ArrayList<>(s.canary());
                if (s.stable().size() > 1) {
                    drainable.addAll(s.stable());
                }
                if (drainable.isEmpty()) {
                    return admin.setWeight("web", rnd.nextInt(10_001), gen);
                }
                return admin.drain("web", List.of(drainable.get(rnd.nextInt(drainable.size()))), gen);
            }
            default -> {
                List<EndpointAddress> all = new ArrayList<>(backends.stream().map(SampleProcess::address).toList());
                Collections.shuffle(all, rnd);
                int stableCount = 1 + rnd.nextInt(3);
                int canaryCount = rnd.nextInt(3);
                RouteSpec next = s.withStable(all.subList(0, stableCount))
                        .withCanary(all.subList(stableCount, stableCount + canaryCount))
                        .withCanaryWeight(rnd.nextInt(10_001));
                return admin.put(next, gen);
            }
        }
    }

    private static List<EndpointAddress> plus(List<EndpointAddress> list, EndpointAddress a) {
        List<EndpointAddress> l = new ArrayList<>(list);
        l.add(a);
        return l;
    }
}
