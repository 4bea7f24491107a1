package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.glidepath.cli.server.ServerCommand;
import io.glidepath.kubernetes.FakeCluster;
import io.glidepath.testkit.load.LoadGenerator;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code glidepath server --platform kubernetes} as a real process, killed (a failpoint halts it as
 * SIGKILL would) at points of a canary on a fake cluster, then started again: it finds the pods by
 * their labels, adopts the release's, and goes on or rolls back as on one host (once the dead one's
 * lease has lapsed: one server at a time). The router runs as two replicas reading the routes from
 * ConfigMaps ({@code --router-replicas}), so the restarted server reads its routes back from the
 * cluster. Users' load runs through both replicas the whole time, and none of their requests may fail.
 */
class KubernetesServerCrashTest {
    static final String NS = "shop";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;
    FakeCluster cluster;
    final List<FakeCluster.RouterPod> replicas = new ArrayList<>();
    final List<LoadGenerator> loads = new ArrayList<>();
    CliProcess server;
    final HttpClient http = HttpClient.newHttpClient();
    String api;

    @AfterEach
    void down() throws Exception {
        loads.forEach(LoadGenerator::close);
        if (server != null) {
            server.close();
        }
        replicas.forEach(FakeCluster.RouterPod::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theServerDiesMidCanaryOnKubernetesAndTheNextOneFinishesTheReleaseWithoutAFailedRequest() throws Exception {
        cluster = new FakeCluster();
        Path token = Files.writeString(work.resolve("router-admin.token"), "a".repeat(43));
        replicas.add(cluster.startRouter(NS, work.resolve("replica-0"), token));
        replicas.add(cluster.startRouter(NS, work.resolve("replica-1"), token));
        Path kubeconfig = cluster.writeKubeconfig(work.resolve("kubeconfig"), NS);

        startServer(kubeconfig, null);
        assertThat(awaitEnd(submit("k-0", "v0", ""))).isEqualTo("PROMOTED");
        for (FakeCluster.RouterPod replica : replicas) {
            LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", replica.entry().port(), 3).withRate(100)
                    .withUsersPerConnection(16)).start();
            loads.add(load);
            await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 50);
        }

        // killed once its new pods run: the next server adopts them (no second set is started) and goes on
        crashAt(kubeconfig, "k-1", "v1", "instancesStarted@shop", false);
        List<String> adopted = podNames("v1");
        assertThat(awaitEnd("k-1")).isEqualTo("PROMOTED");
        assertThat(podNames("v1")).as("the pods running at the crash, no others").isEqualTo(adopted);
        assertThat(messages("k-1")).anySatisfy(m -> assertThat(m).startsWith("the server restarted at STARTING: going on with the 2 running instances of v1")
                .contains(adopted));

        // killed mid-canary, with traffic split
        crashAt(kubeconfig, "k-2", "v2", "traffic@shop#3", false);
        assertThat(awaitEnd("k-2")).isEqualTo("PROMOTED");

        // killed after a verdict, and the new version's pods deleted while no server runs (their Deployment makes
        // others): the release cannot go on, rolls back, and takes the new version's Deployment with it
        crashAt(kubeconfig, "k-3", "v3", "verdict@shop#2", true);
        assertThat(awaitEnd("k-3")).isEqualTo("ROLLED_BACK");
        assertThat(release("k-3").path("reason").asText()).contains("of shop v3 stopped while no server watched it");
        assertThat(messages("k-3")).contains("stopped 2 instances left by the release");

        for (LoadGenerator load : loads) {
            long served = load.requestCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() > served + 150);
            load.close();
            assertThat(load.failures()).as("requests users of one replica saw fail").isEmpty();
            assertThat(load.snapshot().byVersion()).containsKeys("v0", "v1", "v2");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cluster.deployedVersions(NS)).containsExactly("v2"));
        assertThat(podNames("v3")).isEmpty();
    }

    /** Submits release {@code id} with the server armed to die at {@code point}; waits for the death, then starts a server without it. */
    private void crashAt(Path kubeconfig, String id, String version, String point, boolean deleteNewPodsWhileDown) throws Exception {
        server.close();
        startServer(kubeconfig, id + ":" + point);
        submit(id, version, "    steps: [{weight: 20}, {bake: 2s}, {weight: 50}, {bake: 2s}]\n");
        Process dying = server.process;
        await("the server halts at " + point).atMost(Duration.ofSeconds(90)).until(() -> !dying.isAlive());
        assertThat(dying.exitValue()).as(server.err()).isEqualTo(137);
        if (deleteNewPodsWhileDown) {
            for (Pod p : cluster.pods(NS, version)) {
                cluster.deletePod(NS, p.getMetadata().getName());
            }
        }
        startServer(kubeconfig, null);
    }

    private void startServer(Path kubeconfig, String failpoint) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("KUBECONFIG", kubeconfig.toString()));
        if (failpoint != null) {
            env.put("GLIDEPATH_FAILPOINT", failpoint);
        }
        server = CliProcess.start(env, "server", "--data-dir", work.resolve("data").toString(), "--listen", "127.0.0.1:0",
                "--router-token-file", work.resolve("router-admin.token").toString(), "--router-entry", replicas.getFirst().entry().toString(),
                "--router-replicas", "--platform", "kubernetes", "--kubernetes-lease", "3s");
        CliProcess p = server;
        await("the server is ready").atMost(Duration.ofSeconds(60)).until(() -> p.stdoutLines().stream()
                .anyMatch(l -> l.startsWith(ServerCommand.READY_PREFIX)) || !p.process.isAlive());
        String ready = p.stdoutLines().stream().filter(l -> l.startsWith(ServerCommand.READY_PREFIX)).findFirst()
                .orElseThrow(() -> new AssertionError("the server did not start: " + p.out() + p.err()));
        api = "http://" + ready.split(" ")[4];
        assertThat(p.out()).contains("services run on Kubernetes");
    }

    private String token() throws Exception {
        return Files.readString(work.resolve("data/server/server.token")).strip();
    }

    private String submit(String id, String version, String steps) throws Exception {
        String yaml = """
                release: %s
                services:
                  - name: shop
                    version: %s
                    run:
                      image: registry.example.test/shop:%s
                      env: {VERSION: "{{version}}", SERVICE_NAME: shop}
                      replicas: 2
                      stopGrace: 5s
                    route: {pathPrefix: /}
                    readiness: {path: /ready, interval: 100ms, healthyAfter: 2, deadline: 20s}
                    analysis: {judge: sequential, interval: 1s, postPromotion: 1s, rules: [{errorRate: {max: 5%%}}]}
                    keepPrevious: 1s
                %s""".formatted(id, version, version, steps);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/releases")).header("Authorization", "Bearer " + token())
                .header("X-Glidepath-File", "shop.yaml").POST(HttpRequest.BodyPublishers.ofString(yaml)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        return JSON.readTree(r.body()).path("id").asText();
    }

    private JsonNode release(String id) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/releases/" + id)).header("Authorization", "Bearer " + token())
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private List<String> messages(String id) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/releases/" + id + "/events"))
                .header("Authorization", "Bearer " + token()).build(), HttpResponse.BodyHandlers.ofString());
        List<String> out = new ArrayList<>();
        JSON.readTree(r.body()).path("events").forEach(e -> out.add(e.path("message").asText()));
        return out;
    }

    private String awaitEnd(String id) throws Exception {
        await("release " + id).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> !List.of("RUNNING", "QUEUED", "").contains(release(id).path("state").asText()));
        return release(id).path("state").asText();
    }

    private List<String> podNames(String version) {
        return cluster.pods(NS, version).stream().map(p -> p.getMetadata().getName()).sorted().toList();
    }
}
