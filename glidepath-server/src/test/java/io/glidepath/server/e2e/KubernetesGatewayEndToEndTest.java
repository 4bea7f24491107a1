package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteList;
import io.glidepath.kubernetes.FakeCluster;
import io.glidepath.kubernetes.KubernetesPlatform;
import io.glidepath.kubernetes.KubernetesTarget;
import io.glidepath.route.EndpointAddress;
import io.glidepath.server.Server;
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
 * The server moving traffic through the Gateway API (no router of Glidepath's own) on the fake
 * cluster, whose fake gateway controller reports each HTTPRoute's status: the engine's steps are
 * HTTPRoute weights between the versions' Services, a canary nothing could judge is rolled back
 * through the gateway, and a release without Prometheus queries is refused. No user traffic here:
 * the fake cluster has no gateway data plane.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class KubernetesGatewayEndToEndTest {
    static final Duration MAX = Duration.ofSeconds(90);
    static final String NS = "shop";

    @TempDir
    Path data;
    FakeCluster cluster;
    Server server;
    Stack stack;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster();
        cluster.runGateway("infra", "edge");
        // the router's settings are not read in this mode: nothing listens there
        server = Server.start(new Server.Config(data, "127.0.0.1", 0, URI.create("http://127.0.0.1:9"), data.resolve("no-router.token"),
                new EndpointAddress("127.0.0.1", 9), Clock.system())
                .withKubernetes(KubernetesTarget.at(cluster.client().getMasterUrl().toString(), KubernetesPlatform.Settings.in(NS)
                        .withStartTimeout(Duration.ofSeconds(30))).withGateway(KubernetesTarget.Gateway.of("infra", "edge",
                        new EndpointAddress("127.0.0.1", 9)))));
        stack = Stack.around(data, null, server);
    }

    @AfterEach
    void stop() {
        server.close();
        cluster.close();
    }

    static String release(String version, String strategyLines, boolean prometheus) {
        String metrics = prometheus ? """
                      metrics:
                        prometheus:
                          url: http://127.0.0.1:9
                          timeout: 200ms
                          requests: 'sum(increase(http_requests_total{service="{{service}}",version="{{version}}"}[{{window}}]))'
                          errors: 'sum(increase(http_requests_total{service="{{service}}",version="{{version}}",code=~"5.."}[{{window}}]))'
                """ : "";
        return """
                services:
                  - name: shop
                    version: %s
                    run: {image: "registry.example.test/shop:%s", env: {VERSION: "{{version}}"}, replicas: 2, stopGrace: 5s}
                    route: {pathPrefix: /}
                    readiness: {path: /ready, interval: 100ms, healthyAfter: 2, deadline: 20s}
                    analysis:
                      judge: sequential
                      interval: 5s
                      postPromotion: 5s
                %s    keepPrevious: 1s
                %s""".formatted(version, version, metrics, strategyLines);
    }

    Map<String, Integer> weights() {
        HTTPRoute r = cluster.client().resources(HTTPRoute.class, HTTPRouteList.class).inNamespace(NS).withName("glidepath-shop").get();
        return r.getSpec().getRules().getLast().getBackendRefs().stream().collect(Collectors.toMap(HTTPBackendRef::getName, HTTPBackendRef::getWeight));
    }

    String serviceOf(String version) {
        return cluster.client().apps().deployments().inNamespace(NS).list().getItems().stream()
                .filter(d -> version.equals(d.getMetadata().getAnnotations().get("glidepath.io/version"))).findFirst().orElseThrow()
                .getMetadata().getName();
    }

    @Test
    void releasesAreHttpRouteWeightsAndACanaryNothingCouldJudgeIsRolledBackThroughTheGateway() throws Exception {
        JsonNode v1 = stack.awaitEnd(stack.submit(release("v1", "    strategy: blueGreen\n", true)), MAX);
        assertThat(v1.path("state").asText()).as(v1.toString()).isEqualTo("PROMOTED");
        assertThat(weights()).containsExactly(Map.entry(serviceOf("v1"), 10_000));
        // what glidepath plan shows: how traffic moves, and what that cannot do
        JsonNode traffic = stack.get("/v1/services").path("traffic");
        assertThat(traffic.path("via").asText()).contains("Gateway infra/edge");
        assertThat(traffic.path("limits").toString()).contains("no sticky split").contains("no canary shield").contains("no in-flight counts")
                .contains("figures only from Prometheus");

        String v2 = stack.submit(release("v2", "    steps: [{weight: 20}, {bake: 5s}]\n", true));
        await().atMost(MAX).ignoreExceptions().until(() -> weights().getOrDefault(serviceOf("v2"), 0) == 2_000);
        assertThat(weights()).containsEntry(serviceOf("v1"), 8_000);
        JsonNode r = stack.awaitEnd(v2, MAX);
        assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("ROLLED_BACK");
        assertThat(r.path("reason").asText()).contains("never judged");
        assertThat(stack.events(v2)).extracting(e -> e.path("message").asText())
                .anySatisfy(m -> assertThat(m).contains("no figures this interval").contains("Prometheus"));
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.deployedVersions(NS).equals(List.of("v1")));
        assertThat(weights()).containsExactly(Map.entry(serviceOf("v1"), 10_000));

        JsonNode v3 = stack.awaitEnd(stack.submit(release("v3", "    strategy: blueGreen\n", true)), MAX);
        assertThat(v3.path("state").asText()).as(v3.toString()).isEqualTo("PROMOTED");
        assertThat(weights()).containsExactly(Map.entry(serviceOf("v3"), 10_000));
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.deployedVersions(NS).equals(List.of("v3")));
    }

    @Test
    void aReleaseWithoutPrometheusQueriesIsRefusedWithItsLocation() throws Exception {
        var refused = stack.post("/v1/releases", release("v1", "", false));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("services[0].analysis.metrics.prometheus: is required: this server moves traffic through the Gateway API");
        assertThat(cluster.deployedVersions(NS)).isEmpty();
    }
}
