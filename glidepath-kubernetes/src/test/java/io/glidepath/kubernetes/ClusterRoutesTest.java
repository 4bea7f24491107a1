package io.glidepath.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.glidepath.examples.SampleService;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Stickiness;
import io.glidepath.router.client.RouterAdminException;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routes as ConfigMaps, read by several real router replicas (pods of the fake cluster): a change
 * counts once every ready replica serves it, a stale writer is refused, a replica that starts later
 * serves every route before it is ready, and one that does not take a change fails the change with
 * its pod's name.
 */
class ClusterRoutesTest {
    static final String NS = "shop";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    FakeCluster cluster;
    Path token;
    final List<FakeCluster.RouterPod> replicas = new ArrayList<>();
    RouterReplicas view;
    ClusterRoutes routes;
    SampleService v1;
    SampleService v2;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster();
        token = Files.writeString(dir.resolve("admin.token"), "t".repeat(43));
        v1 = new SampleService(Map.of("HOST", "127.0.0.1", "PORT", "0", "VERSION", "v1")).start();
        v2 = new SampleService(Map.of("HOST", "127.0.0.1", "PORT", "0", "VERSION", "v2")).start();
        replica();
        replica();
        view = new RouterReplicas(cluster.client(), NS, RouterReplicas.Settings.defaults().withConfirmWithin(Duration.ofSeconds(5)),
                Files.readString(token));
        routes = new ClusterRoutes(cluster.client(), view, new EndpointAddress("127.0.0.1", 8080), a -> java.util.Optional.empty(), Clock.system());
        await().atMost(Duration.ofSeconds(10)).until(() -> view.ready().size() == 2);
    }

    @AfterEach
    void stop() {
        replicas.forEach(FakeCluster.RouterPod::close);
        view.close();
        v1.stop();
        v2.stop();
        cluster.close();
    }

    FakeCluster.RouterPod replica() throws Exception {
        FakeCluster.RouterPod r = cluster.startRouter(NS, dir.resolve("replica-" + replicas.size()), token);
        replicas.add(r);
        return r;
    }

    static RouteSpec web(SampleService stable, SampleService canary, int weight) {
        RouteSpec s = RouteSpec.of("web", new RouteMatch(null, "/"), List.of(new EndpointAddress("127.0.0.1", stable.port())))
                .withSticky(Stickiness.header("X-User"));
        return canary == null ? s : s.withCanary(List.of(new EndpointAddress("127.0.0.1", canary.port()))).withCanaryWeight(weight);
    }

    /** The versions that answer {@code requests} requests, each from a user of its own, through {@code replica}. */
    static Map<String, Integer> versions(FakeCluster.RouterPod replica, int requests) throws Exception {
        return versions(replica, requests, null);
    }

    /** As above, all from {@code user} when not null. */
    static Map<String, Integer> versions(FakeCluster.RouterPod replica, int requests, String user) throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + replica.entry() + "/"))
                            .header("X-User", user != null ? user : "user-" + i).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            seen.merge(r.headers().firstValue("X-Version").orElseThrow(), 1, Integer::sum);
        }
        return seen;
    }

    @Test
    void aChangeReturnsOnlyOnceEveryReadyReplicaServesItAndTheirSplitsAgree() throws Exception {
        RouteState first = routes.apply(web(v1, null, 0), OptionalLong.of(0));
        assertThat(first.generation()).isEqualTo(1);
        for (FakeCluster.RouterPod r : replicas) {
            // no waiting here: apply returned, so every replica already serves it
            assertThat(r.router().routes().get("web")).isEqualTo(first);
            assertThat(versions(r, 5)).containsOnlyKeys("v1");
        }
        RouteState canary = routes.apply(web(v1, v2, 5000), OptionalLong.of(1));
        assertThat(canary.previewKey()).as("the preview key stays the route's").isEqualTo(first.previewKey());
        for (FakeCluster.RouterPod r : replicas) {
            assertThat(r.router().routes().get("web")).isEqualTo(canary);
        }
        // the split is a pure hash of the user: each user gets the same version from either replica
        for (int user = 0; user < 20; user++) {
            Map<String, Integer> a = versions(replicas.get(0), 3, "u" + user);
            assertThat(a).hasSize(1).isEqualTo(versions(replicas.get(1), 3, "u" + user));
        }
        assertThat(versions(replicas.get(0), 40)).as("users split between both versions").containsKeys("v1", "v2");
        assertThat(routes.current("web")).contains(canary);

        routes.remove("web");
        for (FakeCluster.RouterPod r : replicas) {
            assertThat(r.router().routes().names()).isEmpty();
        }
        assertThat(routes.current("web")).isEmpty();
    }

    @Test
    void aStaleWriterIsRefusedAndAReplicaAdminApiRefusesChangesOfItsOwn() throws Exception {
        RouteState first = routes.apply(web(v1, null, 0), OptionalLong.of(0));
        assertThatThrownBy(() -> routes.apply(web(v1, v2, 100), OptionalLong.of(0))).isInstanceOf(StaleRouteException.class)
                .hasMessageContaining("is at generation 1, not 0");
        // (a writer between this one's read and its write is refused by the API server's resourceVersion precondition,
        // which fabric8's mock does not check: ClusterRoutes maps the 409 to a stale change)
        var admin = view.ready().getFirst().admin();
        assertThatThrownBy(() -> admin.put(web(v2, null, 0), OptionalLong.empty())).isInstanceOf(RouterAdminException.class)
                .hasMessageContaining("405").hasMessageContaining("ConfigMaps of namespace shop");
        assertThat(admin.route("web")).contains(first);
    }

    @Test
    void aReplicaStartedLaterServesEveryRouteBeforeItIsReadyAndAKilledOneIsNotWaitedFor() throws Exception {
        RouteState first = routes.apply(web(v1, v2, 2000), OptionalLong.of(0));
        FakeCluster.RouterPod late = replica();
        assertThat(late.router().routes().get("web")).as("loaded before it can be ready").isEqualTo(first);
        await().atMost(Duration.ofSeconds(10)).until(() -> view.ready().size() == 3);

        replicas.getFirst().kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> view.ready().size() == 2);
        RouteState next = routes.apply(web(v1, v2, 5000), OptionalLong.of(1));
        assertThat(late.router().routes().get("web")).isEqualTo(next);
        assertThat(replicas.get(1).router().routes().get("web")).isEqualTo(next);

        // no replica left: a change is applied for nobody, and says so
        replicas.forEach(FakeCluster.RouterPod::kill);
        await().atMost(Duration.ofSeconds(10)).until(() -> view.ready().isEmpty());
        assertThatThrownBy(() -> routes.apply(web(v1, null, 0), OptionalLong.of(2))).isInstanceOf(TrafficException.class)
                .hasMessageContaining("route web generation 3 is written, but no router replica is ready (pods "
                        + "app.kubernetes.io/component=router,app.kubernetes.io/name=glidepath in namespace shop) after 5 s: users reach no router");
    }

    @Test
    void aReplicaThatDoesNotTakeAChangeFailsItWithItsPodsNameAndABrokenRouteObjectChangesNoReplica() throws Exception {
        RouteState first = routes.apply(web(v1, null, 0), OptionalLong.of(0));
        // the replica's watch is gone, but its pod stays ready: it would serve the old route to its users
        FakeCluster.RouterPod deaf = replicas.getFirst();
        deaf.stopWatching();
        assertThatThrownBy(() -> routes.apply(web(v1, v2, 5000), OptionalLong.of(1))).isInstanceOf(TrafficException.class)
                .hasMessageContaining("route web generation 2 is written, but router replica " + deaf.pod() + " serves generation 1 after 5 s")
                .hasMessageContaining("kubectl logs -n shop " + deaf.pod());

        // a ConfigMap no replica can read: each keeps what it had
        RouteState current = replicas.get(1).router().routes().get("web");
        cluster.client().configMaps().inNamespace(NS).withName(RouteObjects.objectName("web")).edit(cm -> {
            cm.getData().put(RouteObjects.DATA_KEY, "{\"stable\": [\"not an address\"]}");
            cm.getMetadata().getAnnotations().put(RouteObjects.GENERATION, "9");
            return cm;
        });
        assertThatThrownBy(() -> routes.current("web")).isInstanceOf(TrafficException.class)
                .hasMessageContaining("ConfigMap shop/glidepath-route-web data.route.json at /stable/0");
        assertThat(replicas.get(1).router().routes().get("web")).isEqualTo(current);
        assertThat(first.generation()).isEqualTo(1);
    }

    @Test
    void aCanaryNoReplicaCanReachIsNeverCountedAsTakingTrafficButARollbackIsNotHeldBackByIt() throws Exception {
        RouteState first = routes.apply(web(v1, null, 0), OptionalLong.of(0));
        EndpointAddress nothing;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            nothing = new EndpointAddress("127.0.0.1", s.getLocalPort()); // closed again: nothing listens there
        }
        RouteSpec unreachable = web(v1, null, 0).withCanary(List.of(nothing)).withCanaryWeight(1000);
        assertThatThrownBy(() -> routes.apply(unreachable, OptionalLong.of(first.generation()))).isInstanceOf(TrafficException.class)
                .hasMessageContaining("serves generation 2 with canary endpoint " + nothing);
        // the way back: canary out, weight 0; it counts once every replica serves it, whatever the canary's health
        RouteState back = routes.apply(web(v1, null, 0), OptionalLong.of(2));
        for (FakeCluster.RouterPod r : replicas) {
            assertThat(r.router().routes().get("web")).isEqualTo(back);
        }
    }
}
