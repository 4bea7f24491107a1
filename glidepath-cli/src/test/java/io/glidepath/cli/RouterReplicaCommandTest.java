package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.glidepath.examples.SampleService;
import io.glidepath.kubernetes.FakeCluster;
import io.glidepath.kubernetes.RouteObjects;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.client.RouterAdminClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code glidepath router --kubernetes-routes NAMESPACE}, the process a router pod runs: it serves the
 * route ConfigMaps of its namespace as the server writes them, follows their changes, and refuses
 * changes of its own; {@code server --router-replicas} and the router's flags refuse what does not go together.
 */
class RouterReplicaCommandTest {
    static final String NS = "shop";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    FakeCluster cluster;
    SampleService v1;
    SampleService v2;

    @AfterEach
    void stop() {
        if (v1 != null) {
            v1.stop();
            v2.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    Path kubeconfig() throws Exception {
        return cluster.writeKubeconfig(dir.resolve("kubeconfig"), NS);
    }

    void write(RouteState s) {
        cluster.client().configMaps().inNamespace(NS).resource(RouteObjects.toConfigMap(s, NS)).createOr(x -> x.update());
    }

    static String version(RouterCommandTest.Ready ready) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ready.proxy() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.headers().firstValue("X-Version").orElse("-");
    }

    @Test
    void aReplicaServesTheNamespacesRouteConfigMapsFollowsTheirChangesAndRefusesItsOwn() throws Exception {
        cluster = new FakeCluster();
        v1 = new SampleService(Map.of("PORT", "0", "VERSION", "v1")).start();
        v2 = new SampleService(Map.of("PORT", "0", "VERSION", "v2")).start();
        RouteSpec web = RouteSpec.of("web", RouteMatch.any(), List.of(new EndpointAddress("127.0.0.1", v1.port())));
        write(new RouteState(web, 3, "k".repeat(32)));
        try (CliProcess router = CliProcess.start(Map.of("KUBECONFIG", kubeconfig().toString()), "router", "--listen", "127.0.0.1:0",
                "--admin", "127.0.0.1:0", "--state-dir", dir.resolve("state").toString(), "--kubernetes-routes", NS)) {
            RouterCommandTest.Ready ready = RouterCommandTest.awaitReady(router);
            assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ready.admin() + "/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            RouterAdminClient admin = RouterAdminClient.of(ready.admin().host(), ready.admin().port(), ready.token());
            assertThat(admin.route("web").orElseThrow().generation()).as("the route as written, from the first request").isEqualTo(3);
            assertThat(version(ready)).isEqualTo("200 v1");

            write(new RouteState(web.withCanary(List.of(new EndpointAddress("127.0.0.1", v2.port()))).withCanaryWeight(10_000), 4, "k".repeat(32)));
            await().atMost(Duration.ofSeconds(10)).until(() -> version(ready).equals("200 v2"));

            assertThatThrownBy(() -> admin.put(web, OptionalLong.empty())).hasMessageContaining("405")
                    .hasMessageContaining("the route ConfigMaps of namespace shop");
            cluster.client().configMaps().inNamespace(NS).withName(RouteObjects.objectName("web")).delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> version(ready).startsWith("404"));
        }
    }

    @Test
    void flagsThatDoNotGoTogetherAreRefusedWithWhatToDo() throws Exception {
        try (CliProcess p = CliProcess.start("router", "--kube-context", "prod")) {
            assertThat(p.waitFor(30)).isEqualTo(2);
            assertThat(p.err()).contains("--kube-context goes with --kubernetes-routes");
        }
        try (CliProcess p = CliProcess.start("router", "--kubernetes-routes", "Shop_NS")) {
            assertThat(p.waitFor(30)).isEqualTo(2);
            assertThat(p.err()).contains("--kubernetes-routes must name a namespace, such as shop; got \"Shop_NS\"");
        }
        try (CliProcess p = CliProcess.start("server", "--data-dir", dir.toString(), "--router-replicas")) {
            assertThat(p.waitFor(30)).isEqualTo(2);
            assertThat(p.err()).contains("--router-replicas go with --platform kubernetes");
        }
        try (CliProcess p = CliProcess.start("server", "--data-dir", dir.toString(), "--platform", "kubernetes", "--router-replicas", "app.kubernetes.io/name")) {
            assertThat(p.waitFor(30)).isEqualTo(2);
            assertThat(p.err()).contains("--router-replicas must be labels as key=value");
        }
        try (CliProcess p = CliProcess.start("server", "--data-dir", dir.toString(), "--platform", "kubernetes", "--router-replicas",
                "--kubernetes-gateway", "infra/edge", "--gateway-entry", "edge:80")) {
            assertThat(p.waitFor(30)).isEqualTo(2);
            assertThat(p.err()).contains("--kubernetes-gateway and --router-replicas are two ways of moving traffic");
        }
    }
}
