package io.glidepath.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.glidepath.platform.Instance;
import io.glidepath.platform.PlatformException;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ServiceSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import io.glidepath.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KubernetesPlatformTest {
    static final String NS = "shop";
    final HttpClient http = HttpClient.newHttpClient();
    FakeCluster cluster;
    KubernetesPlatform platform;

    @BeforeEach
    void start() throws Exception {
        cluster = new FakeCluster();
        platform = new KubernetesPlatform(cluster.client(), KubernetesPlatform.Settings.in(NS).withStartTimeout(Duration.ofSeconds(20)),
                Clock.system());
    }

    @AfterEach
    void stop() {
        platform.close();
        cluster.close();
    }

    static ServiceSpec service(String version, String run) throws Exception {
        String yaml = """
                services:
                  - name: catalog
                    version: '%s'
                    run: %s
                    route: {pathPrefix: /catalog}
                    readiness: {path: /ready, interval: 1s}
                """.formatted(version, run);
        return ReleaseReader.read("catalog.yaml", yaml).services().getFirst();
    }

    static ServiceVersion version(String version, String run) throws Exception {
        ServiceSpec s = service(version, run);
        return new ServiceVersion(s.name(), s.version(), s.run(), Path.of("."), Optional.of("shop-1"), Optional.of(s.readiness()));
    }

    HttpResponse<String> get(Instance i, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + i.address() + path)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aVersionIsADeploymentAndAHeadlessServiceWhosePodsAnswerOnTheirOwnAddresses() throws Exception {
        ServiceVersion v1 = version("1.0.0+build.7", "{image: 'registry.example.com/catalog:1.0.0', port: 8080, replicas: 2, "
                + "env: {VERSION: '{{version}}', SERVICE_NAME: '{{service}}', WHO: 'pod {{instance}}'}, resources: {cpu: 250m, memory: 128Mi}}");
        List<Instance> started = platform.start(v1, 2);

        assertThat(started).hasSize(2).allSatisfy(i -> {
            assertThat(i.service()).isEqualTo("catalog");
            assertThat(i.version()).isEqualTo("1.0.0+build.7");
            assertThat(i.address().port()).isEqualTo(8080);
            assertThat(i.address().host()).startsWith("127.").isNotEqualTo("127.0.0.1");
        });
        assertThat(started).extracting(i -> i.address().host()).doesNotHaveDuplicates();
        for (Instance i : started) {
            HttpResponse<String> r = get(i, "/hello");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Version")).contains("1.0.0+build.7");
            assertThat(r.headers().firstValue("X-Instance")).contains(i.id());
        }

        List<Deployment> deployments = cluster.client().apps().deployments().inNamespace(NS).list().getItems();
        assertThat(deployments).hasSize(1);
        Deployment d = deployments.getFirst();
        assertThat(d.getMetadata().getName()).matches("catalog-[0-9a-f]{10}");
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        assertThat(d.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "glidepath")
                .containsEntry("glidepath.io/service", "catalog").containsEntry("glidepath.io/version-hash", d.getMetadata().getName());
        assertThat(d.getMetadata().getAnnotations()).containsEntry("glidepath.io/version", "1.0.0+build.7")
                .containsEntry("glidepath.io/release", "shop-1").containsKey("glidepath.io/spec-digest");
        var container = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(container.getImage()).isEqualTo("registry.example.com/catalog:1.0.0");
        assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/ready");
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("WHO");
            assertThat(e.getValue()).isEqualTo("pod $(GLIDEPATH_INSTANCE)");
        });
        Service svc = cluster.client().services().inNamespace(NS).withName(d.getMetadata().getName()).get();
        assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(svc.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
        assertThat(svc.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getUid()).isEqualTo(d.getMetadata().getUid()));

        // the same version and pod spec: the same objects; another spec: others
        ServiceVersion sameAgain = version("1.0.0+build.7", "{image: 'registry.example.com/catalog:1.0.0', port: 8080, replicas: 2, "
                + "env: {VERSION: '{{version}}', SERVICE_NAME: '{{service}}', WHO: 'pod {{instance}}'}, resources: {cpu: 250m, memory: 128Mi}}");
        assertThat(VersionResources.of(sameAgain, java.util.Map.of(), n -> Optional.empty()).name()).isEqualTo(d.getMetadata().getName());
        ServiceVersion otherMemory = version("1.0.0+build.7", "{image: 'registry.example.com/catalog:1.0.0', port: 8080, replicas: 2, "
                + "env: {VERSION: '{{version}}', SERVICE_NAME: '{{service}}', WHO: 'pod {{instance}}'}, resources: {cpu: 250m, memory: 256Mi}}");
        assertThat(VersionResources.of(otherMemory, java.util.Map.of(), n -> Optional.empty()).name()).isNotEqualTo(d.getMetadata().getName());
    }

    @Test
    void aFleetCustomersObjectsAreNamedAsKubernetesAllowsAndLabelledWithTheCustomer() throws Exception {
        ServiceSpec web = ReleaseReader.read("fleet.yaml", """
                services:
                  - name: web
                    version: '2'
                    run: {image: 'registry.example.com/web:2', port: 8080}
                    route: {pathPrefix: /}
                    fleet:
                      customers: [{name: c03, host: c03.example.com, resources: {memory: 512Mi}}, {name: c04, host: c04.example.com}]
                """).service("web.c03").orElseThrow();
        List<Instance> started = platform.start(new ServiceVersion(web.name(), web.version(), web.run(), Path.of("."), Optional.of("fleet-2"),
                Optional.of(web.readiness())), 1);
        assertThat(started).singleElement().satisfies(i -> assertThat(i.service()).isEqualTo("web.c03"));
        Deployment d = cluster.client().apps().deployments().inNamespace(NS).list().getItems().getFirst();
        // the headless Service shares the Deployment's name, and a Service's name is a DNS label: no dot
        assertThat(d.getMetadata().getName()).matches("web-c03-[0-9a-f]{10}");
        assertThat(d.getMetadata().getLabels()).containsEntry("glidepath.io/service", "web.c03").containsEntry("glidepath.io/fleet", "web")
                .containsEntry("glidepath.io/customer", "c03");
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().getFirst().getResources().getLimits().get("memory").toString()).isEqualTo("512Mi");
        assertThat(cluster.client().services().inNamespace(NS).withName(d.getMetadata().getName()).get()).isNotNull();
        assertThat(platform.list("web.c03")).extracting(Instance::id).containsExactlyElementsOf(started.stream().map(Instance::id).toList());
        assertThat(platform.list("web.c04")).isEmpty();
    }

    @Test
    void aGrpcServiceIsProbedByTheKubeletWithTheGrpcHealthService() {
        io.glidepath.spec.RunSpec run = new io.glidepath.spec.RunSpec(java.util.List.of(), java.util.Map.of(), Optional.empty(), 1,
                java.time.Duration.ofSeconds(5), Optional.of(new io.glidepath.spec.ContainerSpec("registry.example.com/orders:2.0", 9090,
                Optional.empty(), Optional.empty())), io.glidepath.route.BackendProtocol.H2C, new io.glidepath.spec.Location("", 0, 0));
        io.glidepath.spec.Readiness grpc = new io.glidepath.spec.Readiness("/health", java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1),
                2, java.time.Duration.ofSeconds(60), Optional.of("shop.Orders"));
        ServiceVersion sv = new ServiceVersion("orders", "2.0", run, java.nio.file.Path.of("."), Optional.empty(), Optional.of(grpc));
        var probe = VersionResources.of(sv, java.util.Map.of(), n -> Optional.empty()).deployment(NS, 1).getSpec().getTemplate().getSpec()
                .getContainers().get(0).getReadinessProbe();
        assertThat(probe.getHttpGet()).as("a gRPC server answers no GET").isNull();
        assertThat(probe.getGrpc().getPort()).isEqualTo(9090);
        assertThat(probe.getGrpc().getService()).isEqualTo("shop.Orders");
    }

    @Test
    void stoppingAnInstanceRemovesThatPodAndNoOtherAndTheLastTakesTheDeploymentWithIt() throws Exception {
        List<Instance> pods = platform.start(version("1", "{image: 'catalog:1', env: {VERSION: '1'}}"), 3);
        String deployment = cluster.client().apps().deployments().inNamespace(NS).list().getItems().getFirst().getMetadata().getName();

        // kept warm after a release: the Deployment says until when
        java.time.Instant until = java.time.Instant.parse("2026-11-30T12:00:00Z");
        platform.keepUntil(pods, until);
        assertThat(cluster.client().apps().deployments().inNamespace(NS).withName(deployment).get().getMetadata().getAnnotations())
                .containsEntry(VersionResources.KEEP_UNTIL, "2026-11-30T12:00:00Z");

        platform.stop(pods.get(1), Duration.ofSeconds(5));
        assertThat(podNames()).containsExactlyInAnyOrder(pods.get(0).id(), pods.get(2).id());
        assertThat(cluster.client().apps().deployments().inNamespace(NS).withName(deployment).get().getSpec().getReplicas()).isEqualTo(2);
        assertThat(get(pods.get(0), "/hello").statusCode()).isEqualTo(200);

        platform.stop(pods.get(0), Duration.ofSeconds(5));
        platform.stop(pods.get(2), Duration.ofSeconds(5));
        assertThat(podNames()).isEmpty();
        assertThat(cluster.client().apps().deployments().inNamespace(NS).withName(deployment).get()).isNull();
        assertThat(cluster.client().services().inNamespace(NS).withName(deployment).get()).isNull();
        // it stays gone: no controller brings a pod back
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> podNames().isEmpty());
    }

    @Test
    void startingAVersionThatRunsAddsPodsBesideItsOwn() throws Exception {
        ServiceVersion v = version("1", "{image: 'catalog:1'}");
        List<Instance> first = platform.start(v, 1);
        List<Instance> more = platform.start(v, 2);
        assertThat(more).hasSize(2).extracting(Instance::id).doesNotContainAnyElementsOf(first.stream().map(Instance::id).toList());
        assertThat(cluster.client().apps().deployments().inNamespace(NS).list().getItems()).singleElement()
                .satisfies(d -> assertThat(d.getSpec().getReplicas()).isEqualTo(3));
    }

    @Test
    void aRestartedServerFindsWhatRunsByLabel() throws Exception {
        platform.start(version("1", "{image: 'catalog:1'}"), 2);
        List<Instance> two = platform.start(version("2", "{image: 'catalog:2'}"), 1);
        try (KubernetesPlatform restarted = new KubernetesPlatform(cluster.client(), KubernetesPlatform.Settings.in(NS), Clock.system())) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(restarted.list("catalog")).hasSize(3));
            assertThat(restarted.list("catalog")).extracting(Instance::version).containsExactlyInAnyOrder("1", "1", "2");
            assertThat(restarted.list("catalog")).filteredOn(i -> i.version().equals("2")).singleElement()
                    .satisfies(i -> assertThat(i.address()).isEqualTo(two.getFirst().address()));
            assertThat(restarted.list("inventory")).isEmpty();
            assertThat(restarted.isAlive(two.getFirst())).isTrue();
        }
    }

    @Test
    void anInstanceHasExitedWhenItsProcessDiesOrItsPodIsDeleted() throws Exception {
        List<Instance> pods = platform.start(version("1", "{image: 'catalog:1'}"), 2);
        CompletableFuture<Void> crashed = platform.exited(pods.get(0));
        CompletableFuture<Void> deleted = platform.exited(pods.get(1));
        assertThat(crashed).isNotDone();

        cluster.crashContainer(NS, pods.get(0).id());
        await().atMost(Duration.ofSeconds(10)).until(crashed::isDone);
        await().atMost(Duration.ofSeconds(10)).until(() -> !platform.isAlive(pods.get(0)));
        assertThat(deleted).isNotDone();

        cluster.deletePod(NS, pods.get(1).id());
        await().atMost(Duration.ofSeconds(10)).until(deleted::isDone);
        assertThat(platform.whereToLook(pods.get(1))).isEqualTo("kubectl logs -n shop " + pods.get(1).id());
    }

    @Test
    void anImageThatCannotBePulledFailsTheStartAtOnceAndLeavesNothing() throws Exception {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> platform.start(version("9", "{image: 'missing/catalog:9'}"), 2))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("catalog 9: pod catalog-")
                .hasMessageContaining("cannot run: ErrImagePull (pull access denied for missing/catalog:9)")
                .hasMessageContaining("kubectl describe pod");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not the start timeout").isLessThan(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(podNames()).isEmpty());
        assertThat(cluster.client().apps().deployments().inNamespace(NS).list().getItems()).isEmpty();
    }

    @Test
    void podsAreReadyOnlyWhenTheDeploymentCountsThemAvailableAndTheirEndpointSlicesSaySo() throws Exception {
        List<Instance> good = platform.start(version("1", "{image: 'catalog:1'}"), 2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(platform.notReady(good)).isEmpty());

        // answering HTTP, but its readiness path says 503: the kubelet never marks it ready, so no slice lists it ready
        List<Instance> sick = platform.start(version("2", "{image: 'catalog:2', env: {FAIL_READINESS: 'true'}}"), 1);
        assertThat(get(sick.getFirst(), "/hello").statusCode()).isEqualTo(200);
        // the fake kubelet has probed it: its slice lists it, not ready
        String sickService = cluster.client().pods().inNamespace(NS).withName(sick.getFirst().id()).get().getMetadata().getLabels()
                .get("glidepath.io/version-hash");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cluster.client().discovery().v1().endpointSlices().inNamespace(NS)
                .withLabel("kubernetes.io/service-name", sickService).list().getItems()).singleElement()
                .satisfies(slice -> assertThat(slice.getEndpoints()).singleElement().satisfies(ep -> assertThat(ep.getConditions().getReady()).isFalse())));
        assertThat(platform.notReady(sick)).hasValueSatisfying(why -> assertThat(why).matches(
                "deployment catalog-[0-9a-f]{10}: 0 of 1 replicas available|pod catalog-.* \\(127\\..*\\) is not ready in the EndpointSlices of service catalog-.*"));
        assertThat(platform.notReady(good)).as("the healthy version still is").isEmpty();

        platform.stop(good.get(0), Duration.ofSeconds(5));
        assertThat(platform.notReady(good)).contains("pod " + good.get(0).id() + " is gone");
    }

    @Test
    void aServiceThatKubernetesCannotRunIsRefusedWithItsLocation() throws Exception {
        assertThat(platform.problems(service("1", "{command: [java, -jar, app.jar]}"), "services[0]")).singleElement()
                .hasToString("catalog.yaml:4:10: services[0].run.image: is required on Kubernetes, which runs containers: name the image, such as "
                        + "registry.example.com/catalog:1 (run.command, if given, replaces its entrypoint)");
        assertThat(platform.problems(service("1", "{image: 'catalog:1', workdir: app}"), "services[0]")).singleElement()
                .hasToString("catalog.yaml:4:10: services[0].run.workdir: must be an absolute path inside the container on Kubernetes; got \"app\"");
        assertThat(platform.problems(service("1", "{image: 'catalog:1', env: {CALLS: 'http://{{router}}/inventory'}}"), "services[0]"))
                .singleElement().asString().contains("services[0].run: uses {{router}}, and this server was not told where the router");
        assertThat(platform.problems(service("1", "{image: 'catalog:1', command: [/app/run, --port, '{{port}}'], workdir: /app}"), "services[0]"))
                .isEmpty();
    }

    List<String> podNames() {
        return cluster.client().pods().inNamespace(NS).list().getItems().stream().map(Pod::getMetadata).map(m -> m.getName()).toList();
    }
}
