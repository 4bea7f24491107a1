package io.glidepath.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.glidepath.examples.SampleService;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes cluster for tests: fabric8's mock API server in CRUD mode, plus what the mock lacks,
 * played here as the real controllers would: the Deployment controller (pods to match replicas,
 * lowest pod-deletion cost removed first, status with observedGeneration), the EndpointSlice
 * controller (one slice per Service, ready as the pods' Ready condition), a kubelet (each pod gets
 * its own loopback address, 127.x.y.z, and a real HTTP server there: the sample service, configured
 * by the pod's environment; readiness probed over HTTP as the kubelet would) and garbage collection
 * of a deleted Deployment's pods. An image under {@code missing/} cannot be pulled.
 *
 * <p>Known differences from a cluster: no scheduler or nodes, no RBAC, no strategic merge patch or
 * server-side apply (the mock answers 415), set-based selectors ignored by the mock.
 */
public final class FakeCluster implements AutoCloseable {
    private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final Map<String, SampleService> containers = new ConcurrentHashMap<>();
    private final Map<String, Integer> restarts = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    /** A random /16 of 127/8 per cluster, so that clusters in parallel test JVMs do not share addresses. */
    private final int net = ThreadLocalRandom.current().nextInt(1, 250);
    private final AtomicInteger nextHost = new AtomicInteger(2);
    private final Thread controllers;
    private volatile boolean closed;

    public FakeCluster() throws IOException {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new WatchSafeDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
        controllers = Thread.ofPlatform().daemon().name("fake-cluster-controllers").start(this::loop);
    }

    /**
     * fabric8's CRUD dispatcher (8.0.0), with a watch's end handled off the mock's event loop. When a
     * client closes a watch just as the mock sends it an event, the mock's {@code onClosed} waits on the
     * event loop for its own close task, which needs that loop: every connection on it stalls for up
     * to a minute (seen as a 32 s test, and a mock that would not stop). Run elsewhere, the wait ends
     * as soon as the close task has run.
     */
    private static final class WatchSafeDispatcher extends KubernetesCrudDispatcher {
        @Override
        public io.fabric8.mockwebserver.http.MockResponse handleWatch(String path) {
            io.fabric8.mockwebserver.http.MockResponse r = super.handleWatch(path);
            var watch = r.getWebSocketListener();
            return watch == null ? r : r.withWebSocketUpgrade(new EndOffTheLoop(watch));
        }
    }

    /** Passes everything on to the mock's watch listener; its end on a thread of its own. */
    private static final class EndOffTheLoop extends io.fabric8.mockwebserver.http.WebSocketListener {
        private final io.fabric8.mockwebserver.http.WebSocketListener watch;

        EndOffTheLoop(io.fabric8.mockwebserver.http.WebSocketListener watch) {
            this.watch = watch;
        }

        @Override
        public void onBeforeAccept(io.fabric8.mockwebserver.http.WebSocket ws, io.fabric8.mockwebserver.http.Response r) {
            watch.onBeforeAccept(ws, r);
        }

        @Override
        public void onOpen(io.fabric8.mockwebserver.http.WebSocket ws, io.fabric8.mockwebserver.http.Response r) {
            watch.onOpen(ws, r);
        }

        @Override
        public void onMessage(io.fabric8.mockwebserver.http.WebSocket ws, String text) {
            watch.onMessage(ws, text);
        }

        @Override
        public void onMessage(io.fabric8.mockwebserver.http.WebSocket ws, io.fabric8.mockwebserver.http.ByteString bytes) {
            watch.onMessage(ws, bytes);
        }

        @Override
        public void onMessage(io.fabric8.mockwebserver.http.WebSocket ws, byte[] bytes) {
            watch.onMessage(ws, bytes);
        }

        @Override
        public void onPing(io.fabric8.mockwebserver.http.WebSocket ws, byte[] bytes) {
            watch.onPing(ws, bytes);
        }

        @Override
        public void onClosing(io.fabric8.mockwebserver.http.WebSocket ws, int code, String reason) {
            watch.onClosing(ws, code, reason);
        }

        @Override
        public void onClosed(io.fabric8.mockwebserver.http.WebSocket ws, int code, String reason) {
            Thread.ofVirtual().name("fake-cluster-watch-end").start(() -> watch.onClosed(ws, code, reason));
        }

        @Override
        public void onFailure(io.fabric8.mockwebserver.http.WebSocket ws, Throwable t, io.fabric8.mockwebserver.http.Response r) {
            Thread.ofVirtual().name("fake-cluster-watch-end").start(() -> watch.onFailure(ws, t, r));
        }
    }

    /** A client of the cluster's API server. */
    public KubernetesClient client() {
        return client;
    }

    /** Another client, whose requests carry {@code userAgent} (to tell them from the fake controllers' in {@link #requests}). */
    public KubernetesClient clientAs(String userAgent) {
        return server.createClient(b -> b.editOrNewConfig().withUserAgent(userAgent).endConfig());
    }

    /** Writes a kubeconfig for this cluster (namespace {@code namespace}) to {@code file}: how a process of Glidepath's finds it. */
    public java.nio.file.Path writeKubeconfig(java.nio.file.Path file, String namespace) throws IOException {
        return java.nio.file.Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: fake, cluster: {server: "%s"}}]
                users: [{name: tester, user: {token: not-a-secret}}]
                contexts: [{name: fake, context: {cluster: fake, user: tester, namespace: %s}}]
                current-context: fake
                """.formatted(client.getMasterUrl(), namespace));
    }

    /** The requests the API server answered since the last call, oldest first. */
    public List<io.fabric8.mockwebserver.http.RecordedRequest> requests() throws InterruptedException {
        List<io.fabric8.mockwebserver.http.RecordedRequest> out = new ArrayList<>();
        for (var r = server.takeRequest(0, java.util.concurrent.TimeUnit.MILLISECONDS); r != null;
                r = server.takeRequest(0, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            out.add(r);
        }
        return out;
    }

    /** The pods the cluster runs now (in every namespace). */
    public List<Pod> pods() {
        return client.pods().inAnyNamespace().list().getItems();
    }

    /** The pods of {@code version} (by Glidepath's version annotation) in {@code namespace}. */
    public List<Pod> pods(String namespace, String version) {
        return client.pods().inNamespace(namespace).list().getItems().stream()
                .filter(p -> version.equals(Optional.ofNullable(p.getMetadata().getAnnotations()).orElse(Map.of()).get(VersionResources.VERSION)))
                .toList();
    }

    /** The versions whose Deployments are in {@code namespace}, sorted (a version twice if it has two). */
    public List<String> deployedVersions(String namespace) {
        return client.apps().deployments().inNamespace(namespace).list().getItems().stream()
                .map(d -> d.getMetadata().getAnnotations().get(VersionResources.VERSION)).sorted().toList();
    }

    /** The process in a pod dies and the kubelet starts it again: restartCount goes up. */
    public void crashContainer(String namespace, String pod) throws IOException {
        SampleService s = containers.remove(namespace + "/" + pod);
        if (s != null) {
            s.stop();
        }
        restarts.merge(namespace + "/" + pod, 1, Integer::sum);
        Pod p = client.pods().inNamespace(namespace).withName(pod).get();
        p.setStatus(null); // the kubelet starts it again on its next pass
        client.pods().inNamespace(namespace).resource(p).updateStatus();
    }

    /** Someone deletes a pod (kubectl delete pod, an eviction): it goes, and its Deployment makes another. */
    public void deletePod(String namespace, String pod) {
        terminate(client.pods().inNamespace(namespace).withName(pod).get());
    }

    @Override
    public void close() {
        closed = true;
        controllers.interrupt();
        try {
            controllers.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        containers.values().forEach(SampleService::stop);
        containers.clear();
        client.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // a mock that does not stop within its 10 s (WatchSafeDispatcher should have made this rare) is gone for the test
            // either way: its port is not reused, its threads end by themselves
            System.err.println("fake cluster: the mock API server did not stop in time (" + e.getMessage() + "); going on");
        }
    }

    private void loop() {
        while (!closed) {
            try {
                reconcile();
                Thread.sleep(25);
            } catch (InterruptedException e) {
                return;
            } catch (KubernetesClientException | IllegalStateException e) {
                if (!closed) {
                    System.err.println("fake cluster: " + e.getMessage());
                }
            }
        }
    }

    private void reconcile() {
        List<Deployment> deployments = client.apps().deployments().inAnyNamespace().list().getItems();
        List<Pod> pods = new ArrayList<>(pods());
        for (Deployment d : deployments) {
            deploymentController(d, pods);
        }
        // garbage collection: pods whose Deployment is gone
        for (Pod p : pods()) {
            String owner = p.getMetadata().getLabels().get("fake.glidepath.io/deployment");
            if (owner != null && deployments.stream().noneMatch(d -> d.getMetadata().getName().equals(owner)
                    && d.getMetadata().getNamespace().equals(p.getMetadata().getNamespace()))) {
                terminate(p);
            }
        }
        for (Pod p : pods()) {
            kubelet(p);
        }
        endpointSliceController(pods());
        gatewayController();
    }

    /** Gateways ("namespace/name") a fake gateway controller serves: it accepts their HTTPRoutes and resolves their backends. */
    private final java.util.Set<String> gateways = ConcurrentHashMap.newKeySet();

    /** A gateway implementation runs for this Gateway from now on. */
    public void runGateway(String namespace, String name) {
        gateways.add(namespace + "/" + name);
    }

    /** What a Gateway API controller writes: per parent it serves, Accepted, and ResolvedRefs unless a backend Service is missing. */
    private void gatewayController() {
        if (gateways.isEmpty()) {
            return;
        }
        var routes = client.resources(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute.class,
                io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteList.class);
        for (var r : routes.inAnyNamespace().list().getItems()) {
            String ns = r.getMetadata().getNamespace();
            long generation = Optional.ofNullable(r.getMetadata().getGeneration()).orElse(1L);
            List<io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus> parents = new ArrayList<>();
            for (var parent : Optional.ofNullable(r.getSpec().getParentRefs()).orElse(List.of())) {
                String gw = Optional.ofNullable(parent.getNamespace()).orElse(ns) + "/" + parent.getName();
                if (!gateways.contains(gw)) {
                    continue;
                }
                List<String> missing = r.getSpec().getRules().stream().flatMap(rule -> rule.getBackendRefs().stream())
                        .map(b -> b.getName()).filter(n -> client.services().inNamespace(ns).withName(n).get() == null).distinct().toList();
                var accepted = new io.fabric8.kubernetes.api.model.ConditionBuilder().withType("Accepted").withStatus("True").withReason("Accepted")
                        .withMessage("").withObservedGeneration(generation).withLastTransitionTime(Instant.now().toString()).build();
                var resolved = new io.fabric8.kubernetes.api.model.ConditionBuilder().withType("ResolvedRefs")
                        .withStatus(missing.isEmpty() ? "True" : "False").withReason(missing.isEmpty() ? "ResolvedRefs" : "BackendNotFound")
                        .withMessage(missing.isEmpty() ? "" : "Service " + String.join(", ", missing) + " not found")
                        .withObservedGeneration(generation).withLastTransitionTime(Instant.now().toString()).build();
                parents.add(new io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatusBuilder().withParentRef(parent)
                        .withControllerName("example.test/fake-gateway").withConditions(accepted, resolved).build());
            }
            var status = new io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteStatusBuilder().withParents(parents).build();
            if (statusOf(r).equals(statusKey(parents))) {
                continue;
            }
            r.setStatus(status);
            try {
                routes.inNamespace(ns).resource(r).update();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 && e.getCode() != 404) {
                    throw e;
                }
            }
        }
    }

    private static String statusOf(io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute r) {
        return r.getStatus() == null ? "" : statusKey(r.getStatus().getParents());
    }

    /** What a status says, without its timestamps. */
    private static String statusKey(List<io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus> parents) {
        StringBuilder b = new StringBuilder();
        for (var p : Optional.ofNullable(parents).orElse(List.of())) {
            b.append(p.getParentRef().getName()).append(':');
            p.getConditions().forEach(c -> b.append(c.getType()).append('=').append(c.getStatus()).append('@').append(c.getObservedGeneration()).append(';'));
        }
        return b.toString();
    }

    /** One EndpointSlice per Service with a selector: its pods' addresses, ready as their Ready condition says. */
    private void endpointSliceController(List<Pod> pods) {
        List<io.fabric8.kubernetes.api.model.Service> services = client.services().inAnyNamespace().list().getItems();
        for (var svc : services) {
            Map<String, String> selector = svc.getSpec().getSelector();
            if (selector == null || selector.isEmpty()) {
                continue;
            }
            String ns = svc.getMetadata().getNamespace();
            List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = pods.stream()
                    .filter(p -> ns.equals(p.getMetadata().getNamespace()))
                    .filter(p -> p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                    .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null)
                    .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                    .map(p -> new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder().withAddresses(p.getStatus().getPodIP())
                            .withNewConditions().withReady(ready(p)).withServing(ready(p)).withTerminating(false).endConditions()
                            .withNewTargetRef().withKind("Pod").withName(p.getMetadata().getName()).withNamespace(ns).endTargetRef().build())
                    .toList();
            String name = svc.getMetadata().getName() + "-fake";
            var existing = client.discovery().v1().endpointSlices().inNamespace(ns).withName(name).get();
            if (existing != null && endpoints.equals(Optional.ofNullable(existing.getEndpoints()).orElse(List.of()))) {
                continue;
            }
            var slice = new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace(ns)
                    .addToLabels(KubernetesPlatform.SERVICE_NAME_LABEL, svc.getMetadata().getName()).endMetadata()
                    .withAddressType("IPv4").withEndpoints(endpoints)
                    .addNewPort().withName("http").withPort(svc.getSpec().getPorts().getFirst().getPort()).withProtocol("TCP").endPort().build();
            try {
                client.discovery().v1().endpointSlices().inNamespace(ns).resource(slice).createOr(x -> x.update());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        // a Service's slices go with it
        for (var slice : client.discovery().v1().endpointSlices().inAnyNamespace().list().getItems()) {
            String owner = slice.getMetadata().getLabels().get(KubernetesPlatform.SERVICE_NAME_LABEL);
            if (services.stream().noneMatch(x -> x.getMetadata().getName().equals(owner)
                    && x.getMetadata().getNamespace().equals(slice.getMetadata().getNamespace()))) {
                client.discovery().v1().endpointSlices().inNamespace(slice.getMetadata().getNamespace()).withName(slice.getMetadata().getName()).delete();
            }
        }
    }

    private void deploymentController(Deployment d, List<Pod> all) {
        String ns = d.getMetadata().getNamespace();
        Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
        List<Pod> mine = all.stream().filter(p -> ns.equals(p.getMetadata().getNamespace()))
                .filter(p -> p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet())).toList();
        int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        List<Pod> live = new ArrayList<>(mine);
        if (live.size() > want) {
            live.sort(Comparator.comparingInt(FakeCluster::deletionCost).thenComparing(FakeCluster::ready)
                    .thenComparing(p -> p.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()));
            for (Pod victim : live.subList(0, live.size() - want)) {
                terminate(victim);
            }
            live = new ArrayList<>(live.subList(live.size() - want, live.size()));
        }
        for (int i = live.size(); i < want; i++) {
            Map<String, String> labels = new LinkedHashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
            labels.put("fake.glidepath.io/deployment", d.getMetadata().getName());
            Pod pod = new PodBuilder().withNewMetadata().withNamespace(ns)
                    .withName(d.getMetadata().getName() + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36))
                    .withLabels(labels).withAnnotations(new HashMap<>(Optional.ofNullable(d.getSpec().getTemplate().getMetadata().getAnnotations())
                            .orElse(Map.of())))
                    .withCreationTimestamp(Instant.now().toString()).endMetadata()
                    .withSpec(d.getSpec().getTemplate().getSpec()).build();
            live.add(client.pods().inNamespace(ns).resource(pod).create());
        }
        int ready = (int) live.stream().filter(FakeCluster::ready).count();
        long generation = Optional.ofNullable(d.getMetadata().getGeneration()).orElse(1L);
        var status = new DeploymentStatusBuilder().withObservedGeneration(generation).withReplicas(live.size()).withUpdatedReplicas(live.size())
                .withReadyReplicas(ready).withAvailableReplicas(ready).withUnavailableReplicas(live.size() - ready).build();
        if (!status.equals(d.getStatus())) {
            d.setStatus(status);
            try {
                client.apps().deployments().inNamespace(ns).resource(d).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 && e.getCode() != 404) {
                    throw e; // a conflict: the next pass writes it again; gone: nothing to write
                }
            }
        }
    }

    /** Pods whose process the test runs itself (router replicas): the kubelet only probes them. */
    static final String EXTERNAL = "fake.glidepath.io/external";

    /**
     * A router replica as a pod: a real router taking its routes from this cluster's ConfigMaps in
     * {@code namespace} ({@link RouteFeed}), on 127.0.0.1 with ports of its own, labelled as
     * deploy/kubernetes/glidepath.yaml labels the router's pods, and probed on its admin port's
     * {@code /ready} as the manifest's readiness probe does.
     */
    public RouterPod startRouter(String namespace, java.nio.file.Path stateDir, java.nio.file.Path tokenFile) throws Exception {
        io.glidepath.router.Router router = io.glidepath.router.Router.start(io.glidepath.router.Router.Config.loopback(stateDir)
                .withTokenFile(tokenFile).withRoutesFrom("the ConfigMaps of namespace " + namespace));
        RouteFeed feed;
        try {
            feed = RouteFeed.start(client, namespace, router.routes(), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            router.close();
            throw e;
        }
        router.routesLoaded();
        String name = "glidepath-router-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);
        Map<String, String> labels = new LinkedHashMap<>(RouterReplicas.DEFAULT_SELECTOR);
        labels.put(EXTERNAL, "true");
        Pod pod = new PodBuilder().withNewMetadata().withNamespace(namespace).withName(name).withLabels(labels)
                .withCreationTimestamp(Instant.now().toString()).endMetadata()
                .withNewSpec().addNewContainer().withName("router").withImage("glidepath:test")
                .addNewPort().withName("http").withContainerPort(router.proxyAddress().getPort()).endPort()
                .addNewPort().withName(RouterReplicas.ADMIN_PORT).withContainerPort(router.adminAddress().getPort()).endPort()
                .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withPort(new io.fabric8.kubernetes.api.model.IntOrString(
                        router.adminAddress().getPort())).endHttpGet().endReadinessProbe()
                .endContainer().endSpec().build();
        client.pods().inNamespace(namespace).resource(pod).create();
        setStatus(client.pods().inNamespace(namespace).withName(name).get(), "Running", "127.0.0.1", false,
                new ContainerStateBuilder().withNewRunning().withStartedAt(Instant.now().toString()).endRunning().build());
        return new RouterPod(namespace, name, router, feed);
    }

    /** A router replica {@link #startRouter} started: {@link #kill} stops it at once and its pod goes. */
    public final class RouterPod implements AutoCloseable {
        private final String namespace;
        private final String pod;
        private final io.glidepath.router.Router router;
        private final RouteFeed feed;

        RouterPod(String namespace, String pod, io.glidepath.router.Router router, RouteFeed feed) {
            this.namespace = namespace;
            this.pod = pod;
            this.router = router;
            this.feed = feed;
        }

        public String pod() {
            return pod;
        }

        public io.glidepath.router.Router router() {
            return router;
        }

        /** Where users' traffic enters this replica. */
        public io.glidepath.route.EndpointAddress entry() {
            return new io.glidepath.route.EndpointAddress("127.0.0.1", router.proxyAddress().getPort());
        }

        /** The replica stops reading the cluster's routes but keeps serving (and its pod stays ready): a replica stuck on what it had. */
        public synchronized void stopWatching() {
            feed.close();
        }

        /** The replica dies (its process is gone, its connections cut) and its pod object goes. */
        public void kill() {
            close();
        }

        private boolean closed;

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            feed.close();
            router.close();
            client.pods().inNamespace(namespace).withName(pod).withGracePeriod(0).delete();
        }
    }

    /** Starts a pod's container on an address of its own, then probes it for readiness. */
    private void kubelet(Pod p) {
        String key = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
        var c = p.getSpec().getContainers().get(0);
        int port = c.getPorts().isEmpty() ? 8080 : c.getPorts().get(0).getContainerPort();
        if ("true".equals(p.getMetadata().getLabels().get(EXTERNAL))) {
            if (p.getStatus() != null && p.getStatus().getPodIP() != null) {
                int probePort = c.getReadinessProbe().getHttpGet().getPort().getIntVal();
                boolean ready = probe(c.getReadinessProbe(), p.getStatus().getPodIP(), probePort);
                if (ready != ready(p)) {
                    setStatus(p, "Running", p.getStatus().getPodIP(), ready, p.getStatus().getContainerStatuses().get(0).getState());
                }
            }
            return;
        }
        if (p.getStatus() == null || p.getStatus().getPodIP() == null || !containers.containsKey(key)) {
            if (c.getImage().startsWith("missing/")) {
                setStatus(p, "Pending", null, false, new ContainerStateBuilder().withNewWaiting().withReason("ErrImagePull")
                        .withMessage("pull access denied for " + c.getImage()).endWaiting().build());
                return;
            }
            String ip = p.getStatus() != null && p.getStatus().getPodIP() != null ? p.getStatus().getPodIP() : null;
            SampleService s = null;
            for (int attempt = 0; s == null && attempt < 20; attempt++) {
                String candidate = ip != null ? ip : address();
                try {
                    s = new SampleService(env(p, candidate, port)).start();
                    ip = candidate;
                } catch (BindException e) {
                    ip = null; // someone else has it: the next address
                } catch (IOException e) {
                    throw new IllegalStateException("fake kubelet cannot start " + key + ": " + e.getMessage(), e);
                }
            }
            if (s == null) {
                throw new IllegalStateException("fake kubelet found no free address for " + key);
            }
            containers.put(key, s);
            setStatus(p, "Running", ip, false, new ContainerStateBuilder().withNewRunning().withStartedAt(Instant.now().toString()).endRunning()
                    .build());
            return;
        }
        boolean ready = probe(c.getReadinessProbe(), p.getStatus().getPodIP(), port);
        if (ready != ready(p)) {
            setStatus(p, "Running", p.getStatus().getPodIP(), ready, p.getStatus().getContainerStatuses().get(0).getState());
        }
    }

    private boolean probe(Probe probe, String ip, int port) {
        if (probe == null || probe.getHttpGet() == null) {
            return true;
        }
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + probe.getHttpGet().getPath()))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() >= 200 && r.statusCode() < 400;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void setStatus(Pod p, String phase, String ip, boolean ready, io.fabric8.kubernetes.api.model.ContainerState state) {
        String key = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
        Pod fresh = client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).get();
        if (fresh == null) {
            return;
        }
        fresh.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(phase).withPodIP(ip)
                .withStartTime(Optional.ofNullable(p.getStatus()).map(s -> s.getStartTime()).orElse(Instant.now().toString()))
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build())
                .withContainerStatuses(new ContainerStatusBuilder().withName(p.getSpec().getContainers().get(0).getName()).withReady(ready)
                        .withRestartCount(restarts.getOrDefault(key, 0)).withState(state).withImage(p.getSpec().getContainers().get(0).getImage())
                        .build())
                .build());
        try {
            client.pods().inNamespace(p.getMetadata().getNamespace()).resource(fresh).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409 && e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** The container's environment as Kubernetes gives it: fieldRefs resolved, $(VAR) expanded from the variables before it. */
    private static Map<String, String> env(Pod p, String ip, int port) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar v : p.getSpec().getContainers().get(0).getEnv()) {
            if (v.getValueFrom() != null && v.getValueFrom().getFieldRef() != null) {
                String path = v.getValueFrom().getFieldRef().getFieldPath();
                env.put(v.getName(), switch (path) {
                    case "metadata.name" -> p.getMetadata().getName();
                    case "metadata.namespace" -> p.getMetadata().getNamespace();
                    case "status.podIP" -> ip;
                    default -> throw new IllegalArgumentException("the fake kubelet does not know fieldRef " + path);
                });
            } else {
                Matcher m = VAR_REF.matcher(Optional.ofNullable(v.getValue()).orElse(""));
                env.put(v.getName(), m.replaceAll(r -> Matcher.quoteReplacement(env.getOrDefault(r.group(1), r.group()))));
            }
        }
        // the sample service's own settings: where it listens (a real image would be built to listen on its port)
        env.put("HOST", ip);
        // its crash would halt this JVM: the fake kubelet plays it as a container crash instead
        Optional.ofNullable(env.remove("CRASH_AFTER")).ifPresent(after -> {
            throw new IllegalArgumentException("CRASH_AFTER=" + after + " would stop the test's JVM: use FakeCluster.crashContainer");
        });
        env.put("PORT", String.valueOf(port));
        env.putIfAbsent("INSTANCE", p.getMetadata().getName());
        return env;
    }

    private String address() {
        int n = nextHost.getAndIncrement();
        return "127." + net + "." + (n / 250) + "." + (n % 250 + 2);
    }

    /** The kubelet stops the container, then the pod object goes. */
    private void terminate(Pod p) {
        if (p == null) {
            return;
        }
        SampleService s = containers.remove(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
        if (s != null) {
            s.stop();
        }
        client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).withGracePeriod(0).delete();
    }

    private static int deletionCost(Pod p) {
        try {
            return Integer.parseInt(Optional.ofNullable(p.getMetadata().getAnnotations()).map(a -> a.get(VersionResources.DELETION_COST)).orElse("0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
