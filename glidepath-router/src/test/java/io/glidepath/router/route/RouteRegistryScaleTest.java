package io.glidepath.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.state.StateFile;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry holding 10,000 routes: a change to one route replaces that route's ActiveRoute and nothing
 * else (no rebuild of the others), the state file replays to the same routes, every route on one shared
 * backend is checked by one probe, and routes that saw no traffic hold no metric buckets.
 */
class RouteRegistryScaleTest {
    static final int ROUTES = 10_000;

    @TempDir
    Path dir;
    ServerSocket backend;
    Thread acceptor;
    RouteRegistry registry;

    @BeforeEach
    void start() throws IOException {
        // a real TCP endpoint: the routes' TCP checks connect to it and pass
        backend = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().start(() -> {
            while (!backend.isClosed()) {
                try (Socket s = backend.accept()) {
                    s.getInputStream().available();
                } catch (IOException e) {
                    return;
                }
            }
        });
        registry = new RouteRegistry(new StateFile(dir));
        registry.restore(StateFile.Contents.EMPTY);
    }

    @AfterEach
    void stop() throws IOException {
        registry.close();
        backend.close();
    }

    EndpointAddress backendAddress() {
        return new EndpointAddress("127.0.0.1", backend.getLocalPort());
    }

    RouteSpec spec(int i) {
        return RouteSpec.of("r" + i, new RouteMatch("r" + i + ".example.test", "/"), List.of(backendAddress()))
                .withHealth(HealthCheck.tcpDefault().withInterval(Duration.ofSeconds(5)));
    }

    @Test
    void aChangeToOneOfTenThousandRoutesLeavesTheOthersUntouched() throws Exception {
        for (int i = 0; i < ROUTES; i++) {
            registry.put(spec(i), OptionalLong.empty());
        }
        RoutingTable table = registry.table();
        assertThat(table.routes()).hasSize(ROUTES);
        assertThat(table.match("r4242.example.test", "/x").name()).isEqualTo("r4242");
        Map<String, ActiveRoute> before = new HashMap<>(table.routes());

        registry.setWeight("r4242", 2_500, OptionalLong.empty());

        ActiveRoute changed = table.route("r4242");
        assertThat(changed).isNotSameAs(before.get("r4242"));
        assertThat(changed.canaryWeight()).isEqualTo(2_500);
        assertThat(changed.runtime()).as("the route's endpoints and metrics live on").isSameAs(before.get("r4242").runtime());
        assertThat(table.match("r4242.example.test", "/")).isSameAs(changed);
        long untouched = before.entrySet().stream().filter(e -> !e.getKey().equals("r4242"))
                .filter(e -> table.route(e.getKey()) == e.getValue()).count();
        assertThat(untouched).as("every other route keeps its ActiveRoute instance").isEqualTo(ROUTES - 1);

        registry.delete("r17", OptionalLong.empty());
        List<String> draining = new java.util.ArrayList<>();
        registry.forEachDraining((rt, e) -> draining.add(rt.name() + " " + e.address()));
        assertThat(draining).as("a drain check visits the endpoints that left, not 10,000 routes'").containsExactly("r17 " + backendAddress());
        assertThat(table.route("r17")).isNull();
        assertThat(table.match("r17.example.test", "/")).isNull();
        assertThat(before.entrySet().stream().filter(e -> !Set.of("r4242", "r17").contains(e.getKey()))
                .allMatch(e -> table.route(e.getKey()) == e.getValue())).isTrue();

        // the state file (snapshots and log) holds the same routes
        StateFile.Contents reread = new StateFile(dir).load();
        assertThat(reread.routes()).hasSize(ROUTES - 1);
        assertThat(reread.routes()).isEqualTo(registry.list());
        assertThat(reread.generation()).isEqualTo(table.generation());

        // one backend behind every route: one probe, whatever the number of routes
        assertThat(registry.healthProbes()).isEqualTo(1);
        assertThat(table.routes().values()).allMatch(r -> r.endpoints(Track.STABLE)[0].health() == Endpoint.Health.HEALTHY);

        // no traffic, no buckets: a route's series hold their totals only
        assertThat(registry.runtimes()).allSatisfy(rt -> {
            for (Track t : Track.values()) {
                assertThat(rt.metrics(t).holdsBuckets()).isFalse();
            }
            assertThat(rt.shieldAnswers().holdsBuckets()).isFalse();
            assertThat(rt.endpoints()).allMatch(e -> !e.metrics().holdsBuckets());
        });
        table.route("r9").runtime().metrics(Track.STABLE).recordResponse(200, 1_000);
        assertThat(table.route("r9").runtime().metrics(Track.STABLE).holdsBuckets()).isTrue();
    }

    @Test
    void aRouteThatMovesToAnotherHostIsFoundThereAndNoLongerWhereItWas() throws Exception {
        for (int i = 0; i < 100; i++) {
            registry.put(spec(i), OptionalLong.empty());
        }
        registry.put(RouteSpec.of("r5", new RouteMatch("moved.example.test", "/api"), List.of(backendAddress())), OptionalLong.empty());
        assertThat(registry.table().match("r5.example.test", "/api")).isNull();
        assertThat(registry.table().match("moved.example.test", "/api/x").name()).isEqualTo("r5");

        // a deleted route's endpoint drains; once drained and old enough it is forgotten, and its runtime with it
        registry.delete("r9", OptionalLong.empty());
        List<Endpoint> leaving = new java.util.ArrayList<>();
        registry.forEachDraining((rt, e) -> leaving.add(e));
        assertThat(leaving).hasSize(1);
        leaving.get(0).markDrained(System.currentTimeMillis() - 1_000, 0);
        registry.forgetDrained(500);
        assertThat(registry.runtimes()).noneMatch(rt -> rt.name().equals("r9"));
        assertThat(registry.runtimes()).anyMatch(rt -> rt.name().equals("r8"));
        // its old match is free again; its new one is taken
        registry.put(RouteSpec.of("other", new RouteMatch("r5.example.test", "/"), List.of(backendAddress())), OptionalLong.empty());
        assertThat(registry.table().match("r5.example.test", "/").name()).isEqualTo("other");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> registry.put(
                        RouteSpec.of("third", new RouteMatch("moved.example.test", "/api"), List.of(backendAddress())), OptionalLong.empty()))
                .hasMessageContaining("route 'r5' already takes host moved.example.test");
    }
}
