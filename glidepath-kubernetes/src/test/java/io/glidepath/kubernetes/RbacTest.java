package io.glidepath.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.glidepath.platform.Instance;
import io.glidepath.time.Clock;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Role in deploy/kubernetes/glidepath.yaml against what the server really asks of the API server:
 * every request the platform and the lease make, through every path (start, ready everywhere, grow, stop, shrink to
 * nothing, a failed start undone, a restart's listing, a dead server's lease taken over and given up), must be granted,
 * and nothing is granted that no request needs.
 */
class RbacTest {
    static final Path MANIFEST = Path.of("..", "deploy", "kubernetes", "glidepath.yaml");
    static final Path GATEWAY_MANIFEST = Path.of("..", "deploy", "kubernetes", "gateway-api.yaml");
    static final String AGENT = "glidepath-server-under-test";

    @Test
    void theServersRoleGrantsExactlyWhatThePlatformAndTheLeaseUse(@org.junit.jupiter.api.io.TempDir Path state) throws Exception {
        Set<String> granted = granted();
        Set<String> used = new TreeSet<>();
        try (FakeCluster cluster = new FakeCluster(); KubernetesClient client = cluster.clientAs(AGENT)) {
            // the first server of a namespace makes the lease; the next takes over a crashed one's once it lapses
            ServerLease.acquire(client, "shop", "s/0", Duration.ofSeconds(2), Duration.ofSeconds(5), () -> { }).close();
            // a merge patch, without a precondition: the lease just given up may still be writing its release
            cluster.client().leases().inNamespace("shop").withName(ServerLease.NAME).patch(
                    io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                    "{\"spec\":{\"holderIdentity\":\"dead/9\",\"leaseDurationSeconds\":1,\"renewTime\":\""
                            + java.time.format.DateTimeFormatter.ISO_INSTANT.format(java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS))
                            + "\"}}");
            try (ServerLease lease = ServerLease.acquire(client, "shop", "s/1", Duration.ofSeconds(2), Duration.ofSeconds(5), () -> { });
                 KubernetesPlatform platform = new KubernetesPlatform(client, KubernetesPlatform.Settings.in("shop")
                         .withStartTimeout(Duration.ofSeconds(20)), Clock.system())) {
                var v1 = KubernetesPlatformTest.version("1", "{image: 'catalog:1'}");
                List<Instance> first = platform.start(v1, 2);
                List<Instance> more = platform.start(v1, 1);
                platform.exited(first.get(0));
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> platform.notReady(first).isEmpty());
                platform.list("catalog");
                platform.keepUntil(first, java.time.Instant.now().plusSeconds(60));
                platform.stop(first.get(0), Duration.ofSeconds(5));
                platform.stop(first.get(1), Duration.ofSeconds(5));
                platform.stop(more.get(0), Duration.ofSeconds(5));
                assertThatThrownBy(() -> platform.start(KubernetesPlatformTest.version("2", "{image: 'missing/catalog:2'}"), 1));
            }
            // the routes, as ConfigMaps the router's replicas read (found by watching their pods); one replica confirms them
            try (FakeCluster.RouterPod replica = cluster.startRouter("shop", state, Files.writeString(state.resolve("token"), "t".repeat(43)));
                 RouterReplicas replicas = new RouterReplicas(client, "shop", RouterReplicas.Settings.defaults(), "t".repeat(43))) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> replicas.ready().size() == 1);
                ClusterRoutes routes = new ClusterRoutes(client, replicas, new io.glidepath.route.EndpointAddress("127.0.0.1", 9), a -> java.util.Optional.empty(), Clock.system());
                var route = io.glidepath.route.RouteSpec.of("catalog", new io.glidepath.route.RouteMatch(null, "/"),
                        List.of(new io.glidepath.route.EndpointAddress("127.0.0.1", 10)));
                routes.apply(route, java.util.OptionalLong.of(0));
                routes.apply(route, java.util.OptionalLong.of(1));
                routes.current("catalog");
                routes.inflight("catalog");
                routes.remove("catalog");
            }
            for (RecordedRequest r : cluster.requests()) {
                if (AGENT.equals(r.getHeader("User-Agent"))) {
                    used.add(permission(r));
                }
            }
        }
        assertThat(granted).as("granted to the server's service account").containsAll(used);
        // granted for paths this scenario does not take
        Set<String> rarePaths = Set.of(
                "/pods:delete", // a pod still there after its stop grace is deleted at once
                "/services:get", "/services:update"); // a Service left by an interrupted start is replaced
        used.addAll(rarePaths);
        assertThat(used).as("used by the server (the rest would be more than it needs)").containsAll(granted);
    }

    /** group/resource:verb of every rule of the server's Role. */
    static Set<String> granted() throws Exception {
        return granted(MANIFEST, "glidepath-server");
    }

    @Test
    void theRoutersRoleGrantsExactlyWhatItsFeedOfRoutesUses(@org.junit.jupiter.api.io.TempDir Path state) throws Exception {
        Set<String> used = new TreeSet<>();
        try (FakeCluster cluster = new FakeCluster(); KubernetesClient client = cluster.clientAs(AGENT)) {
            try (io.glidepath.router.Router router = io.glidepath.router.Router.start(io.glidepath.router.Router.Config.loopback(state)
                    .withRoutesFrom("ConfigMaps"));
                 RouteFeed feed = RouteFeed.start(client, "shop", router.routes(), Duration.ofSeconds(10))) {
                cluster.client().configMaps().inNamespace("shop").resource(RouteObjects.toConfigMap(new io.glidepath.route.RouteState(
                        io.glidepath.route.RouteSpec.of("catalog", new io.glidepath.route.RouteMatch(null, "/"),
                                List.of(new io.glidepath.route.EndpointAddress("127.0.0.1", 10))), 1, "k".repeat(32)), "shop")).create();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> router.routes().names().contains("catalog"));
            }
            for (RecordedRequest r : cluster.requests()) {
                if (AGENT.equals(r.getHeader("User-Agent"))) {
                    used.add(permission(r));
                }
            }
        }
        assertThat(used).isEqualTo(granted(MANIFEST, "glidepath-router"));
    }

    @Test
    void theGatewayModesRoleGrantsExactlyWhatItsHttpRoutesNeed() throws Exception {
        Set<String> used = new TreeSet<>();
        try (FakeCluster cluster = new FakeCluster(); KubernetesClient client = cluster.clientAs(AGENT)) {
            cluster.runGateway("infra", "edge");
            try (KubernetesPlatform platform = new KubernetesPlatform(cluster.client(), KubernetesPlatform.Settings.in("shop")
                    .withStartTimeout(Duration.ofSeconds(20)), Clock.system())) {
                List<Instance> v1 = platform.start(KubernetesPlatformTest.version("1", "{image: 'catalog:1'}"), 1);
                GatewayTraffic gateway = new GatewayTraffic(client, new GatewayTraffic.Settings("shop", "infra", "edge",
                        new io.glidepath.route.EndpointAddress("127.0.0.1", 9), Duration.ofSeconds(10)), platform::serviceOf, Clock.system());
                var route = io.glidepath.route.RouteSpec.of("catalog", new io.glidepath.route.RouteMatch(null, "/"), List.of(v1.getFirst().address()));
                gateway.apply(route, java.util.OptionalLong.of(0));
                gateway.apply(route, java.util.OptionalLong.of(1));
                gateway.current("catalog");
                gateway.remove("catalog");
            }
            for (RecordedRequest r : cluster.requests()) {
                if (AGENT.equals(r.getHeader("User-Agent"))) {
                    used.add(permission(r));
                }
            }
        }
        assertThat(used).isEqualTo(granted(GATEWAY_MANIFEST, "glidepath-server-gateway-api"));
    }

    static Set<String> granted(Path manifest, String roleName) throws Exception {
        Set<String> out = new TreeSet<>();
        try (InputStream in = Files.newInputStream(manifest); KubernetesClient offline = new io.fabric8.kubernetes.client.KubernetesClientBuilder().build()) {
            List<HasMetadata> objects = offline.load(in).items();
            Role role = objects.stream().filter(o -> o instanceof Role).map(o -> (Role) o).filter(r -> r.getMetadata().getName().equals(roleName))
                    .findFirst().orElseThrow();
            for (PolicyRule rule : role.getRules()) {
                for (String group : rule.getApiGroups()) {
                    for (String resource : rule.getResources()) {
                        for (String verb : rule.getVerbs()) {
                            out.add(group + "/" + resource + ":" + verb);
                        }
                    }
                }
            }
        }
        return out;
    }

    /** What Kubernetes' authorizer would check for this request: group/resource:verb. */
    static String permission(RecordedRequest r) {
        String path = r.getPath();
        boolean watch = path.contains("watch=true");
        String[] p = path.replaceAll("\\?.*", "").split("/");
        // /api/v1/namespaces/NS/RESOURCE[/NAME[/SUB]] or /apis/GROUP/VERSION/namespaces/NS/RESOURCE[/NAME[/SUB]]
        int at = p[1].equals("api") ? 2 : 3;
        String group = p[1].equals("api") ? "" : p[2];
        if (p.length > at + 1 && p[at + 1].equals("namespaces")) {
            at += 2;
        }
        String resource = p[at + 1];
        boolean named = p.length > at + 2;
        if (p.length > at + 3) {
            resource += "/" + p[at + 3];
        }
        String verb = switch (r.getMethod()) {
            case "GET" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected request " + r.getRequestLine());
        };
        return group + "/" + resource + ":" + verb;
    }
}
