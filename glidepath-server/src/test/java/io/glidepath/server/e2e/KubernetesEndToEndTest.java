package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.glidepath.kubernetes.FakeCluster;
import io.glidepath.kubernetes.KubernetesPlatform;
import io.glidepath.kubernetes.KubernetesTarget;
import io.glidepath.route.EndpointAddress;
import io.glidepath.router.Router;
import io.glidepath.server.Server;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.time.Clock;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on Kubernetes, end to end: the real engine, store, router and data path, with services
 * as pods of a fake cluster (fabric8's mock API server, controllers played in the test, each pod a
 * real HTTP server on its own loopback address). Users' traffic goes through the router to the pods'
 * addresses; every release here runs under load, and no user request may fail.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class KubernetesEndToEndTest {
    static final Duration MAX = Duration.ofSeconds(90);
    static final String NS = "shop";

    @TempDir
    Path data;
    FakeCluster cluster;
    Router router;
    Server server;
    Stack stack;
    LoadGenerator load;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster();
        router = Router.start(Router.Config.loopback(data.resolve("router")));
        server = Server.start(new Server.Config(data, "127.0.0.1", 0, URI.create("http://127.0.0.1:" + router.adminAddress().getPort()),
                data.resolve("router/admin.token"), new EndpointAddress("127.0.0.1", router.proxyAddress().getPort()), Clock.system())
                .withKubernetes(KubernetesTarget.at(cluster.client().getMasterUrl().toString(), KubernetesPlatform.Settings.in(NS)
                        .withStartTimeout(Duration.ofSeconds(30)))));
        stack = Stack.around(data, router, server);
    }

    @AfterEach
    void stop() throws Exception {
        if (load != null) {
            load.close();
        }
        server.close();
        router.close();
        cluster.close();
    }

    /** The sample service as an image: the fake kubelet runs it with the pod's environment. */
    static String release(String version, Map<String, String> faults, String strategyLines) {
        String env = faults.entrySet().stream().map(e -> ", " + e.getKey() + ": \"" + e.getValue() + "\"").collect(Collectors.joining());
        return """
                services:
                  - name: shop
                    version: %s
                    run:
                      image: registry.example.test/shop:%s
                      port: 8080
                      env: {VERSION: "{{version}}", SERVICE_NAME: shop%s}
                      replicas: 2
                      stopGrace: 5s
                    route: {pathPrefix: /}
                    readiness: {path: /ready, interval: 100ms, healthyAfter: 2, deadline: 20s}
                    smoke: [{name: home, request: {path: /}, expect: {status: 200, bodyContains: hello}}]
                    analysis: {judge: sequential, interval: 1s, postPromotion: 2s, rules: [{errorRate: {max: 5%%}}]}
                    keepPrevious: 1s
                %s""".formatted(version, version, env, strategyLines);
    }

    void startWithV1UnderLoad() throws Exception {
        JsonNode r = stack.awaitEnd(stack.submit(release("v1", Map.of(), "")), MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("PROMOTED");
        load = stack.load(8);
        await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 200);
    }

    void assertUsersSawNoFailure() {
        await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() > 500);
        load.close();
        assertThat(load.failures()).as("requests users saw fail").isEmpty();
        assertThat(load.requestCount()).isGreaterThan(500);
    }

    @Test
    void canaryThenBlueGreenOnPodsUnderLoadFailNoRequestAndTheOldVersionsGo() throws Exception {
        startWithV1UnderLoad();
        assertThat(cluster.deployedVersions(NS)).containsExactly("v1");
        JsonNode canary = stack.awaitEnd(stack.submit(release("v2", Map.of(), "    steps: [{weight: 20}, {bake: 2s}, {weight: 50}, {bake: 2s}]\n")), MAX);
        assertThat(canary.path("state").asText()).as(canary.toString()).isEqualTo("PROMOTED");
        JsonNode bg = stack.awaitEnd(stack.submit(release("v3", Map.of(), "    strategy: blueGreen\n")), MAX);
        assertThat(bg.path("state").asText()).as(bg.toString()).isEqualTo("PROMOTED");
        await().atMost(Duration.ofSeconds(20)).until(() -> load.snapshot().byVersion().getOrDefault("v3", 0L) > 100);
        assertUsersSawNoFailure();
        assertThat(load.snapshot().byVersion()).containsKeys("v1", "v2", "v3");

        // what the server reports runs on the pods' own addresses, and kept-warm versions retire with their Deployments
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cluster.deployedVersions(NS).equals(List.of("v3")) && cluster.pods(NS, "v2").isEmpty() && cluster.pods(NS, "v1").isEmpty());
        JsonNode svc = stack.get("/v1/services").path("services").get(0);
        assertThat(svc.path("currentVersion").asText()).isEqualTo("v3");
        List<String> podIps = cluster.pods(NS, "v3").stream().map(p -> p.getStatus().getPodIP()).sorted().toList();
        List<String> served = new java.util.ArrayList<>();
        svc.path("instances").forEach(i -> {
            served.add(i.path("address").asText().replace(":8080", ""));
            assertThat(i.path("log").asText()).startsWith("kubectl logs -n shop shop-");
            assertThat(i.has("pid")).as("a pod has no pid").isFalse();
        });
        assertThat(served).containsExactlyInAnyOrderElementsOf(podIps);
        Deployment v3 = cluster.client().apps().deployments().inNamespace(NS).list().getItems().getFirst();
        assertThat(v3.getMetadata().getAnnotations()).containsEntry("glidepath.io/release", bg.path("id").asText());
    }

    @Test
    void aCanaryWhoseErrorsBeginAfterItsSmokeTestsIsRolledBackAndItsDeploymentGoes() throws Exception {
        startWithV1UnderLoad();
        JsonNode r = stack.awaitEnd(stack.submit(release("v2", Map.of("ERROR_AFTER", "3s", "ERROR_RATE", "30%"),
                "    steps: [{weight: 50}, {bake: 60s}]\n")), MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("ROLLED_BACK");
        assertThat(r.path("reason").asText()).contains("errors");
        assertUsersSawNoFailure();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.deployedVersions(NS).equals(List.of("v1")));
        assertThat(cluster.pods(NS, "v2")).isEmpty();
        assertThat(cluster.pods(NS, "v1")).hasSize(2);
    }

    @Test
    void aCanaryPodWhoseProcessDiesMidBakeIsRolledBackAndUsersSeeNoError() throws Exception {
        startWithV1UnderLoad();
        String id = stack.submit(release("v2", Map.of(), "    steps: [{weight: 50}, {bake: 60s}]\n"));
        await().atMost(MAX).until(() -> load.snapshot().byVersion().getOrDefault("v2", 0L) > 100);
        Pod victim = cluster.pods(NS, "v2").getFirst();
        cluster.crashContainer(NS, victim.getMetadata().getName());
        JsonNode r = stack.awaitEnd(id, MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("ROLLED_BACK");
        assertThat(r.path("reason").asText()).contains("instance " + victim.getMetadata().getName() + " of v2 died (see kubectl logs -n shop "
                + victim.getMetadata().getName() + ")");
        assertUsersSawNoFailure();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.deployedVersions(NS).equals(List.of("v1")));
    }

    @Test
    void aRestartedServerRetiresPodsOfAServiceNoJournalKnows() throws Exception {
        // what a server that died between starting a new service's pods and journaling them leaves behind
        server.close();
        try (KubernetesPlatform crashed = new KubernetesPlatform(cluster.client(), KubernetesPlatform.Settings.in(NS)
                .withStartTimeout(Duration.ofSeconds(30)), Clock.system())) {
            io.glidepath.spec.ServiceSpec orphan = io.glidepath.spec.ReleaseReader.read("o.yaml", """
                    services: [{name: orphan, version: '1', run: {image: 'orphan:1'}, route: {pathPrefix: /orphan}}]""").services().getFirst();
            crashed.start(new io.glidepath.platform.ServiceVersion("orphan", "1", orphan.run(), data), 2);
        }
        assertThat(cluster.deployedVersions(NS)).containsExactly("1");
        server = Server.start(new Server.Config(data, "127.0.0.1", 0, URI.create("http://127.0.0.1:" + router.adminAddress().getPort()),
                data.resolve("router/admin.token"), new EndpointAddress("127.0.0.1", router.proxyAddress().getPort()), Clock.system())
                .withKubernetes(KubernetesTarget.at(cluster.client().getMasterUrl().toString(), KubernetesPlatform.Settings.in(NS))));
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.deployedVersions(NS).isEmpty() && cluster.pods(NS, "1").isEmpty());
    }

    @Test
    void aReleaseWithoutAnImageIsRefusedWithItsLocationAndNothingRuns() throws Exception {
        var refused = stack.post("/v1/releases", "services:\n  - name: shop\n    version: v9\n    run: {command: [java, -jar, shop.jar]}\n"
                + "    route: {pathPrefix: /}\n");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("shop.yaml:4:10: services[0].run.image: is required on Kubernetes");
        assertThat(cluster.deployedVersions(NS)).isEmpty();
    }

    @Test
    void anImageThatCannotBePulledFailsTheReleaseWithTheReasonAndStableKeepsServing() throws Exception {
        startWithV1UnderLoad();
        String yaml = release("v2", Map.of(), "    steps: [{weight: 50}, {bake: 5s}]\n").replace("registry.example.test/shop:v2", "missing/shop:v2");
        JsonNode r = stack.awaitEnd(stack.submit(yaml), MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("ROLLED_BACK");
        assertThat(r.path("reason").asText()).contains("ErrImagePull").contains("missing/shop:v2");
        assertUsersSawNoFailure();
        assertThat(load.snapshot().byVersion()).containsOnlyKeys("v1");
        assertThat(cluster.deployedVersions(NS)).containsExactly("v1");
    }
}
