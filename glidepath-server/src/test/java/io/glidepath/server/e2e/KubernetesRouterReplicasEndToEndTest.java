package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.kubernetes.FakeCluster;
import io.glidepath.kubernetes.KubernetesPlatform;
import io.glidepath.kubernetes.KubernetesTarget;
import io.glidepath.kubernetes.RouteObjects;
import io.glidepath.kubernetes.RouterReplicas;
import io.glidepath.server.Server;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.time.Clock;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on Kubernetes with the router as several replicas: routes as ConfigMaps, each replica a
 * real router (a pod of the fake cluster) reading them, users' traffic through both replicas at once,
 * the judge reading the sum of their figures. No user request may fail, whichever replica it reaches.
 */
class KubernetesRouterReplicasEndToEndTest {
    static final Duration MAX = Duration.ofSeconds(90);
    static final String NS = KubernetesEndToEndTest.NS;

    @TempDir
    Path data;
    FakeCluster cluster;
    Path token;
    final List<FakeCluster.RouterPod> replicas = new ArrayList<>();
    final List<LoadGenerator> loads = new ArrayList<>();
    Server server;
    Stack stack;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster();
        token = data.resolve("router-admin.token");
        Files.writeString(token, "r".repeat(43));
        replica();
        replica();
        FakeCluster.RouterPod first = replicas.getFirst();
        server = Server.start(new Server.Config(data, "127.0.0.1", 0, URI.create("http://" + first.entry()), token, first.entry(), Clock.system())
                .withKubernetes(KubernetesTarget.at(cluster.client().getMasterUrl().toString(), KubernetesPlatform.Settings.in(NS)
                        .withStartTimeout(Duration.ofSeconds(30))).withRouterReplicas(RouterReplicas.Settings.defaults())));
        stack = Stack.around(data, first.router(), server);
    }

    @AfterEach
    void stop() {
        loads.forEach(LoadGenerator::close);
        server.close();
        replicas.forEach(FakeCluster.RouterPod::close);
        cluster.close();
    }

    FakeCluster.RouterPod replica() throws Exception {
        FakeCluster.RouterPod r = cluster.startRouter(NS, data.resolve("replica-" + replicas.size()), token);
        replicas.add(r);
        return r;
    }

    LoadGenerator loadOn(FakeCluster.RouterPod replica) {
        LoadGenerator l = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", replica.entry().port(), 4).withRate(200).withUsersPerConnection(32))
                .start();
        loads.add(l);
        return l;
    }

    void startV1UnderLoadOnBothReplicas() throws Exception {
        JsonNode r = stack.awaitEnd(stack.submit(KubernetesEndToEndTest.release("v1", Map.of(), "")), MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("PROMOTED");
        for (FakeCluster.RouterPod p : replicas) {
            LoadGenerator l = loadOn(p);
            await().atMost(Duration.ofSeconds(10)).until(() -> l.requestCount() > 100);
        }
    }

    void assertNoUserSawAFailure(List<LoadGenerator> these) {
        for (LoadGenerator l : these) {
            long before = l.requestCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> l.requestCount() > before + 200);
            l.close();
            assertThat(l.failures()).as("requests users of one replica saw fail").isEmpty();
        }
    }

    @Test
    void aCanaryAndABlueGreenSwitchThroughTwoReplicasFailNoRequestAndEveryReplicaServesEachStep() throws Exception {
        startV1UnderLoadOnBothReplicas();
        JsonNode canary = stack.awaitEnd(stack.submit(KubernetesEndToEndTest.release("v2", Map.of(),
                "    steps: [{weight: 20}, {bake: 2s}, {weight: 50}, {bake: 2s}]\n")), MAX);
        assertThat(canary.path("state").asText()).as(canary.toString()).isEqualTo("PROMOTED");
        JsonNode bg = stack.awaitEnd(stack.submit(KubernetesEndToEndTest.release("v3", Map.of(), "    strategy: blueGreen\n")), MAX);
        assertThat(bg.path("state").asText()).as(bg.toString()).isEqualTo("PROMOTED");
        for (LoadGenerator l : loads) {
            await().atMost(Duration.ofSeconds(20)).until(() -> l.snapshot().byVersion().getOrDefault("v3", 0L) > 50);
            assertThat(l.snapshot().byVersion()).as("each replica's users saw every version").containsKeys("v1", "v2", "v3");
        }
        assertNoUserSawAFailure(List.copyOf(loads));

        // one route object, which every replica serves at its generation
        var cm = cluster.client().configMaps().inNamespace(NS).withName(RouteObjects.objectName("shop")).get();
        long generation = Long.parseLong(cm.getMetadata().getAnnotations().get(RouteObjects.GENERATION));
        for (FakeCluster.RouterPod p : replicas) {
            assertThat(p.router().routes().get("shop").generation()).isEqualTo(generation);
        }
        // the canary was judged on both replicas' figures: its verdicts counted requests from both
        long judged = stack.events(canary.path("id").asText()).stream().filter(e -> e.path("kind").asText().equals("verdict"))
                .mapToLong(e -> e.path("canaryRequests").asLong()).sum();
        assertThat(judged).isGreaterThan(0);
    }

    @Test
    void aBadCanaryIsRolledBackOnEveryReplicaWithNoFailedRequest() throws Exception {
        startV1UnderLoadOnBothReplicas();
        JsonNode r = stack.awaitEnd(stack.submit(KubernetesEndToEndTest.release("v2", Map.of("ERROR_AFTER", "3s", "ERROR_RATE", "30%"),
                "    steps: [{weight: 50}, {bake: 60s}]\n")), MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("ROLLED_BACK");
        assertThat(r.path("reason").asText()).contains("errors");
        for (FakeCluster.RouterPod p : replicas) {
            assertThat(p.router().routes().get("shop").spec().endpoints(io.glidepath.route.Track.CANARY)).as("canary gone on " + p.pod()).isEmpty();
        }
        assertNoUserSawAFailure(List.copyOf(loads));
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.deployedVersions(NS).equals(List.of("v1")));
    }

    @Test
    void aReplicaKilledMidCanaryIsNotWaitedForAndOneStartedInItsPlaceServesTheCanaryBeforeItIsReady() throws Exception {
        startV1UnderLoadOnBothReplicas();
        String id = stack.submit(KubernetesEndToEndTest.release("v2", Map.of(), "    steps: [{weight: 50}, {bake: 8s}, {weight: 100}, {bake: 2s}]\n"));
        LoadGenerator survivorsUsers = loads.get(0);
        LoadGenerator victimsUsers = loads.get(1);
        await().atMost(MAX).until(() -> victimsUsers.snapshot().byVersion().getOrDefault("v2", 0L) > 50);
        // the cluster's Service stops sending new users to a replica going away; its users reconnect elsewhere
        victimsUsers.close();
        assertThat(victimsUsers.failures()).isEmpty();
        replicas.get(1).kill();
        FakeCluster.RouterPod replacement = replica();
        assertThat(replacement.router().routes().get("shop").spec().endpoints(io.glidepath.route.Track.CANARY))
                .as("the new replica serves the canary from its first request").isNotEmpty();
        LoadGenerator newUsers = loadOn(replacement);
        JsonNode r = stack.awaitEnd(id, MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("PROMOTED");
        assertNoUserSawAFailure(List.of(survivorsUsers, newUsers));
        assertThat(newUsers.snapshot().byVersion()).containsKey("v2");
    }

    @Test
    void aCanaryPodWhoseProcessDiesMidBakeIsRolledBackOnEveryReplicaWithNoFailedRequest() throws Exception {
        startV1UnderLoadOnBothReplicas();
        String id = stack.submit(KubernetesEndToEndTest.release("v2", Map.of(), "    steps: [{weight: 50}, {bake: 60s}]\n"));
        await().atMost(MAX).until(() -> loads.stream().allMatch(l -> l.snapshot().byVersion().getOrDefault("v2", 0L) > 50));
        var victim = cluster.pods(NS, "v2").getFirst();
        cluster.crashContainer(NS, victim.getMetadata().getName());
        JsonNode r = stack.awaitEnd(id, MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("ROLLED_BACK");
        assertThat(r.path("reason").asText()).contains("instance " + victim.getMetadata().getName() + " of v2 died");
        for (FakeCluster.RouterPod p : replicas) {
            assertThat(p.router().routes().get("shop").spec().canary()).as("canary gone on " + p.pod()).isEmpty();
        }
        assertNoUserSawAFailure(List.copyOf(loads));
    }

    @Test
    void aStablePodEvictedBetweenReleasesIsReplacedOnEveryReplicaWithNoFailedRequest() throws Exception {
        startV1UnderLoadOnBothReplicas();
        var victim = cluster.pods(NS, "v1").getFirst();
        String gone = victim.getStatus().getPodIP();
        cluster.deletePod(NS, victim.getMetadata().getName()); // kubectl drain, an eviction: the Deployment makes another
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.pods(NS, "v1").size() == 2
                && cluster.pods(NS, "v1").stream().allMatch(p -> p.getStatus() != null && p.getStatus().getPodIP() != null));
        List<String> now = cluster.pods(NS, "v1").stream().map(p -> p.getStatus().getPodIP()).sorted().toList();
        for (FakeCluster.RouterPod p : replicas) {
            await("replica " + p.pod() + " serves the replacement").atMost(Duration.ofSeconds(20)).until(() -> p.router().routes().get("shop").spec()
                    .stable().stream().map(a -> a.host()).sorted().toList().equals(now));
        }
        assertThat(now).doesNotContain(gone);
        // the route the server wrote is unchanged: the replicas followed the cluster on their own
        assertThat(stack.get("/v1/services").path("services").get(0).path("currentVersion").asText()).isEqualTo("v1");
        assertNoUserSawAFailure(List.copyOf(loads));
    }

    /** Two services in one release: shop at /, cart at /cart, each a canary. */
    static String twoServices(String version, String cartFaults) {
        String one = KubernetesEndToEndTest.release(version, Map.of(), "    steps: [{weight: 50}, {bake: 4s}]\n");
        String cart = one.substring(one.indexOf("  - name: shop")).replace("name: shop", "name: cart").replace("SERVICE_NAME: shop", "SERVICE_NAME: cart")
                .replace("shop:" + version, "cart:" + version).replace("pathPrefix: /}", "pathPrefix: /cart}")
                .replace("request: {path: /}", "request: {path: /cart/}")
                .replace("SERVICE_NAME: cart}", "SERVICE_NAME: cart" + cartFaults + "}");
        return one + cart;
    }

    @Test
    void aReleaseOfTwoServicesWhoseSecondFailsRollsBothBackOnEveryReplicaWithNoFailedRequest() throws Exception {
        JsonNode first = stack.awaitEnd(stack.submit(twoServices("v1", "")), MAX);
        assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("PROMOTED");
        for (FakeCluster.RouterPod p : replicas) {
            loads.add(new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", p.entry().port(), 4).withRate(200).withUsersPerConnection(32)
                    .withPaths(java.util.List.of("/", "/cart/"))).start());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> loads.stream().allMatch(l -> l.requestCount() > 100));
        JsonNode r = stack.awaitEnd(stack.submit(twoServices("v2", ", ERROR_AFTER: \"2s\", ERROR_RATE: \"40%\"")), MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("ROLLED_BACK");
        assertThat(r.path("reason").asText()).as("cart's own failure, shop rolled back with it").startsWith("cart: ").contains("errors");
        for (FakeCluster.RouterPod p : replicas) {
            for (String route : List.of("shop", "cart")) {
                assertThat(p.router().routes().get(route).spec().canary()).as(route + " on " + p.pod()).isEmpty();
            }
        }
        assertNoUserSawAFailure(List.copyOf(loads));
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.deployedVersions(NS).equals(List.of("v1", "v1")));
    }
}
