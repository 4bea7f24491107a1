package io.glidepath.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteList;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Gateway API mode against the fake cluster's gateway controller: HTTPRoutes written with the
 * versions' Services as weighted backends, each step waiting for the gateway's status on the
 * generation written, stale writers refused, and a backend the gateway cannot resolve failing the step.
 */
class GatewayTrafficTest {
    static final String NS = "shop";
    FakeCluster cluster;
    KubernetesPlatform platform;
    GatewayTraffic gateway;
    List<Instance> v1;
    List<Instance> v2;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster();
        platform = new KubernetesPlatform(cluster.client(), KubernetesPlatform.Settings.in(NS).withStartTimeout(Duration.ofSeconds(20)), Clock.system());
        gateway = gateway(Duration.ofSeconds(5));
        v1 = platform.start(KubernetesPlatformTest.version("1", "{image: 'catalog:1'}"), 2);
        v2 = platform.start(KubernetesPlatformTest.version("2", "{image: 'catalog:2'}"), 1);
    }

    GatewayTraffic gateway(Duration confirmWithin) {
        return new GatewayTraffic(cluster.client(), new GatewayTraffic.Settings(NS, "infra", "edge", new EndpointAddress("127.0.0.1", 8443),
                confirmWithin), platform::serviceOf, Clock.system());
    }

    @AfterEach
    void stop() {
        platform.close();
        cluster.close();
    }

    RouteSpec route(List<Instance> stable, List<Instance> canary, int weight) {
        RouteSpec base = RouteSpec.of("catalog", new RouteMatch("shop.example.test", "/catalog"), addresses(stable));
        return new RouteSpec(base.name(), base.match(), base.stable(), addresses(canary), List.of(), weight, base.sticky(), base.overrideHeader(),
                base.shield(), base.health(), base.drainTimeout());
    }

    static List<EndpointAddress> addresses(List<Instance> instances) {
        return instances.stream().map(Instance::address).toList();
    }

    HTTPRoute httpRoute() {
        return cluster.client().resources(HTTPRoute.class, HTTPRouteList.class).inNamespace(NS).withName("glidepath-catalog").get();
    }

    Map<String, Integer> weights(HTTPRoute r) {
        return r.getSpec().getRules().getLast().getBackendRefs().stream().collect(Collectors.toMap(HTTPBackendRef::getName, HTTPBackendRef::getWeight));
    }

    String serviceOf(List<Instance> version) {
        return platform.serviceOf(version.getFirst().address()).orElseThrow();
    }

    @Test
    void eachStepIsAnHttpRouteOfWeightedVersionServicesThatCountsOnceTheGatewayHasTakenIt() throws Exception {
        cluster.runGateway("infra", "edge");
        RouteState first = gateway.apply(route(v1, List.of(), 0), OptionalLong.of(0));
        assertThat(first.generation()).isEqualTo(1);
        HTTPRoute r = httpRoute();
        assertThat(r.getSpec().getHostnames()).containsExactly("shop.example.test");
        assertThat(r.getSpec().getParentRefs()).singleElement().satisfies(p -> {
            assertThat(p.getNamespace()).isEqualTo("infra");
            assertThat(p.getName()).isEqualTo("edge");
        });
        assertThat(r.getSpec().getRules().getLast().getMatches().getFirst().getPath().getValue()).isEqualTo("/catalog");
        assertThat(weights(r)).containsExactly(Map.entry(serviceOf(v1), 10_000));

        RouteState canary = gateway.apply(route(v1, v2, 2_000), OptionalLong.of(1));
        assertThat(canary.generation()).isEqualTo(2);
        assertThat(weights(httpRoute())).containsOnly(Map.entry(serviceOf(v1), 8_000), Map.entry(serviceOf(v2), 2_000));
        // what the gateway said about this very generation
        assertThat(httpRoute().getStatus().getParents().getFirst().getConditions())
                .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(httpRoute().getMetadata().getGeneration()));

        // the engine reads the route back as it wrote it
        assertThat(gateway.current("catalog")).hasValueSatisfying(s -> {
            assertThat(s.spec()).isEqualTo(canary.spec());
            assertThat(s.generation()).isEqualTo(2);
            assertThat(s.previewKey()).isEqualTo(first.previewKey());
        });
        assertThat(gateway.inflight("catalog")).as("the gateway does not tell").isEmpty();
        assertThat(gateway.via()).isEqualTo("the Gateway API: HTTPRoutes attached to Gateway infra/edge, users entering at 127.0.0.1:8443");
        assertThat(gateway.limits()).hasSize(5).anySatisfy(l -> assertThat(l).startsWith("no sticky split"))
                .anySatisfy(l -> assertThat(l).startsWith("no mirror steps"));
        gateway.remove("catalog");
        assertThat(httpRoute()).isNull();
        assertThat(gateway.current("catalog")).isEmpty();
    }

    @Test
    void aPreviewTrackIsReachableOnlyWithThePreviewKey() throws Exception {
        cluster.runGateway("infra", "edge");
        RouteSpec base = route(v1, List.of(), 0);
        RouteSpec withPreview = new RouteSpec(base.name(), base.match(), base.stable(), List.of(), addresses(v2), 0, base.sticky(), base.overrideHeader(),
                base.shield(), base.health(), base.drainTimeout());
        RouteState s = gateway.apply(withPreview, OptionalLong.empty());
        var preview = httpRoute().getSpec().getRules().getFirst();
        assertThat(preview.getMatches().getFirst().getHeaders()).singleElement().satisfies(h -> {
            assertThat(h.getName()).isEqualTo(RouteSpec.PREVIEW_KEY_HEADER);
            assertThat(h.getValue()).isEqualTo(s.previewKey()).hasSize(32);
        });
        assertThat(preview.getBackendRefs()).extracting(HTTPBackendRef::getName).containsExactly(serviceOf(v2));
    }

    @Test
    void aStaleWriterIsRefusedAndNothingChanges() throws Exception {
        cluster.runGateway("infra", "edge");
        gateway.apply(route(v1, List.of(), 0), OptionalLong.of(0));
        gateway.apply(route(v1, v2, 1_000), OptionalLong.of(1));
        assertThatThrownBy(() -> gateway.apply(route(v1, v2, 5_000), OptionalLong.of(1)))
                .isInstanceOf(StaleRouteException.class).hasMessageContaining("is at generation 2, not 1");
        assertThat(weights(httpRoute())).containsEntry(serviceOf(v2), 1_000);
    }

    @Test
    void aBackendTheGatewayCannotResolveFailsTheStepWithItsReason() throws Exception {
        cluster.runGateway("infra", "edge");
        gateway.apply(route(v1, List.of(), 0), OptionalLong.of(0));
        String v2Service = serviceOf(v2);
        cluster.client().services().inNamespace(NS).withName(v2Service).delete();
        assertThatThrownBy(() -> gateway.apply(route(v1, v2, 2_000), OptionalLong.of(1)))
                .isInstanceOf(TrafficException.class)
                .hasMessageContaining("the gateway infra/edge cannot resolve a backend of HTTPRoute glidepath-catalog (generation 2)")
                .hasMessageContaining("BackendNotFound: Service " + v2Service + " not found");
    }

    @Test
    void withoutAGatewayControllerAStepFailsAtItsDeadlineAndSaysWhy() {
        GatewayTraffic impatient = gateway(Duration.ofMillis(600));
        assertThatThrownBy(() -> impatient.apply(route(v1, List.of(), 0), OptionalLong.of(0)))
                .isInstanceOf(TrafficException.class)
                .hasMessageContaining("the gateway infra/edge did not take HTTPRoute glidepath-catalog generation 1 within 0 s (no status from the gateway yet)")
                .hasMessageContaining("is a controller for that Gateway running?");
    }

    @Test
    void anEndpointThatIsNoManagedPodIsRefused() {
        cluster.runGateway("infra", "edge");
        RouteSpec stray = RouteSpec.of("catalog", new RouteMatch(null, "/catalog"), List.of(new EndpointAddress("10.9.9.9", 8080)));
        assertThatThrownBy(() -> gateway.apply(stray, OptionalLong.empty())).isInstanceOf(TrafficException.class)
                .hasMessageContaining("the stable endpoint 10.9.9.9:8080 is no pod this server manages");
        assertThat(httpRoute()).isNull();
    }
}
