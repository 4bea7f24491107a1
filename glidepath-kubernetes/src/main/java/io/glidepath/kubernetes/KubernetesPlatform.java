package io.glidepath.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentList;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.platform.PlatformException;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.route.EndpointAddress;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.time.Clock;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Platform seam on Kubernetes: each service version is a Deployment and a headless Service
 * ({@link VersionResources}), and each instance is one of its pods, addressed by the pod's IP and
 * container port. Moving traffic is never done here: no Service selector is ever patched (the router
 * does that, one route update), so Argo Rollouts' selector races cannot happen.
 *
 * <p>One pod is stopped by lowering its pod-deletion cost and shrinking its Deployment by one, so the
 * ReplicaSet controller removes that pod and no other, and replaces none; the last one takes the
 * Deployment (and its Service) with it. What runs is read from an informer on the pods this platform
 * manages, which is also how a restarted server finds them ({@link #list}).
 */
public final class KubernetesPlatform implements Platform, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubernetesPlatform.class);
    /** Waiting reasons after which a pod will not run without a change to the release. */
    private static final Set<String> HOPELESS = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError",
            "CreateContainerError", "CrashLoopBackOff", "RunContainerError");
    private static final Duration POLL = Duration.ofMillis(50);
    /** Set by the EndpointSlice controller on each slice: the Service it belongs to. */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final KubernetesClient client;
    private final Settings settings;
    private final Clock clock;
    private final SharedIndexInformer<Pod> pods;
    /** Per pod this platform watches: its containers' restarts when first seen, and who waits for its end. */
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
    private final Runnable onClose;

    /**
     * {@code namespace} holds what this platform creates; {@code router} (host:port, such as the
     * router's Service name and port) answers {@code {{router}}}; a pod that is not running by
     * {@code startTimeout} (image pulls included) fails the start.
     */
    public record Settings(String namespace, Optional<String> router, Duration startTimeout, Function<String, Optional<String>> hostEnv) {
        public static Settings in(String namespace) {
            return new Settings(namespace, Optional.empty(), Duration.ofMinutes(5), name -> Optional.ofNullable(System.getenv(name)));
        }

        public Settings withRouter(String hostPort) {
            return new Settings(namespace, Optional.of(hostPort), startTimeout, hostEnv);
        }

        public Settings withStartTimeout(Duration d) {
            return new Settings(namespace, router, d, hostEnv);
        }
    }

    private record Watched(int restarts, CompletableFuture<Void> ended) {
    }

    public KubernetesPlatform(KubernetesClient client, Settings settings, Clock clock) {
        this(client, settings, clock, () -> { });
    }

    /** {@code onClose} runs after the platform stops watching (a server closes the client it made). */
    public KubernetesPlatform(KubernetesClient client, Settings settings, Clock clock, Runnable onClose) {
        this.client = client;
        this.onClose = onClose;
        this.settings = settings;
        this.clock = clock;
        this.pods = client.pods().inNamespace(settings.namespace()).withLabel(VersionResources.MANAGED_BY, VersionResources.MANAGER)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod pod) {
                        check(pod);
                    }

                    @Override
                    public void onUpdate(Pod before, Pod pod) {
                        check(pod);
                    }

                    @Override
                    public void onDelete(Pod pod, boolean finalStateUnknown) {
                        Optional.ofNullable(watched.get(pod.getMetadata().getName())).ifPresent(w -> w.ended().complete(null));
                    }
                }, 0);
        // what runs must be known before anyone asks (a restarted server's recovery asks at once)
        Instant deadline = clock.now().plus(Duration.ofSeconds(30));
        while (!pods.hasSynced()) {
            if (clock.now().isAfter(deadline)) {
                pods.close();
                throw new IllegalStateException("could not list the pods of namespace " + settings.namespace() + " within 30 s: check the "
                        + "cluster's address and this server's permissions (list and watch pods)");
            }
            sleep(POLL);
        }
    }

    /** The client this platform works through (a Gateway API router shares it). */
    public KubernetesClient client() {
        return client;
    }

    @Override
    public List<SpecError> problems(ServiceSpec service, String path) {
        List<SpecError> problems = new ArrayList<>();
        if (service.run().container().isEmpty()) {
            problems.add(new SpecError(service.run().location(), path + ".run.image", "is required on Kubernetes, which runs containers: name the "
                    + "image, such as registry.example.com/" + service.name() + ":" + service.version() + " (run.command, if given, replaces its entrypoint)"));
        }
        service.run().workdir().filter(w -> !w.startsWith("/")).ifPresent(w -> problems.add(new SpecError(service.run().location(),
                path + ".run.workdir", "must be an absolute path inside the container on Kubernetes; got \"" + w + "\"")));
        boolean usesRouter = service.run().command().stream().anyMatch(KubernetesPlatform::namesRouter)
                || service.run().env().values().stream().anyMatch(KubernetesPlatform::namesRouter);
        if (usesRouter && settings.router().isEmpty()) {
            problems.add(new SpecError(service.run().location(), path + ".run", "uses {{router}}, and this server was not told where the router "
                    + "is reached in the cluster: start it with --kubernetes-router HOST:PORT (the router's Service)"));
        }
        return problems;
    }

    private static boolean namesRouter(String text) {
        return text.matches("(?s).*\\{\\{\\s*router\\s*}}.*");
    }

    @Override
    public List<Instance> start(ServiceVersion sv, int replicas) throws PlatformException {
        VersionResources res;
        try {
            res = VersionResources.of(sv, settings.router().map(r -> Map.of("router", r)).orElse(Map.of()), settings.hostEnv());
        } catch (IllegalArgumentException e) {
            throw new PlatformException("cannot run " + sv.service() + " " + sv.version() + ": " + e.getMessage(), e);
        }
        Set<String> before = new HashSet<>(podNames(res.name()));
        boolean created;
        try {
            created = ensureDeployment(res, replicas);
        } catch (KubernetesClientException e) {
            throw new PlatformException("cannot create " + res.name() + " for " + sv.service() + " " + sv.version() + " in namespace "
                    + settings.namespace() + ": " + reason(e), e);
        }
        log.info("{} {}: deployment {} in namespace {}: {} more pod(s)", sv.service(), sv.version(), res.name(), settings.namespace(), replicas);
        try {
            List<Instance> started = awaitRunning(sv, res, before, replicas);
            started.forEach(i -> watch(i.id()));
            return started;
        } catch (PlatformException e) {
            undoStart(res, before, replicas, created);
            throw e;
        }
    }

    /** Creates the version's Deployment and Service, or, when they exist, grows the Deployment by {@code replicas}; true when created. */
    private boolean ensureDeployment(VersionResources res, int replicas) throws PlatformException {
        Instant deadline = clock.now().plus(settings.startTimeout());
        while (true) {
            Deployment existing = deployments().withName(res.name()).get();
            if (existing == null) {
                Deployment d = deployments().resource(res.deployment(settings.namespace(), replicas)).create();
                client.services().inNamespace(settings.namespace()).resource(res.service(settings.namespace(), d)).createOr(x -> x.update());
                return true;
            }
            if (existing.getMetadata().getDeletionTimestamp() == null) {
                resize(res.name(), n -> n + replicas);
                return false;
            }
            // the same version was just retired: its Deployment goes away before it can be made again
            if (clock.now().isAfter(deadline)) {
                throw new PlatformException("deployment " + res.name() + " is still being deleted after " + settings.startTimeout().toSeconds()
                        + " s; try again when it is gone (kubectl get deployment " + res.name() + " -n " + settings.namespace() + ")", null);
            }
            sleep(POLL);
        }
    }

    private List<Instance> awaitRunning(ServiceVersion sv, VersionResources res, Set<String> before, int replicas) throws PlatformException {
        Instant deadline = clock.now().plus(settings.startTimeout());
        while (true) {
            List<Pod> fresh = pods(res.name()).stream().filter(p -> !before.contains(p.getMetadata().getName())).toList();
            for (Pod p : fresh) {
                Optional<String> hopeless = hopeless(p);
                if (hopeless.isPresent()) {
                    throw new PlatformException(sv.service() + " " + sv.version() + ": pod " + p.getMetadata().getName() + " " + hopeless.get()
                            + " (kubectl describe pod " + p.getMetadata().getName() + " -n " + settings.namespace() + ")", null);
                }
            }
            List<Pod> running = fresh.stream().filter(KubernetesPlatform::running).sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                    .toList();
            if (running.size() >= replicas) {
                return running.subList(0, replicas).stream().map(p -> instance(p, res.containerPort())).toList();
            }
            if (clock.now().isAfter(deadline)) {
                throw new PlatformException(sv.service() + " " + sv.version() + ": " + running.size() + " of " + replicas + " pod(s) of " + res.name()
                        + " running after " + settings.startTimeout().toSeconds() + " s (kubectl get pods -l " + VersionResources.VERSION_HASH + "="
                        + res.name() + " -n " + settings.namespace() + ")", null);
            }
            sleep(POLL);
        }
    }

    /** Puts the Deployment back as it was before a failed start: its own pods stay, the new ones go. */
    private void undoStart(VersionResources res, Set<String> before, int replicas, boolean created) {
        try {
            if (created || before.isEmpty()) {
                deleteVersion(res.name());
            } else {
                for (Pod p : pods(res.name())) {
                    if (!before.contains(p.getMetadata().getName())) {
                        markForRemoval(p.getMetadata().getName());
                    }
                }
                resize(res.name(), n -> Math.max(0, n - replicas));
            }
        } catch (RuntimeException | PlatformException e) {
            log.warn("could not undo the start of {}: {}", res.name(), e.getMessage());
        }
    }

    @Override
    public void stop(Instance instance, Duration grace) {
        Pod pod = pods.getIndexer().getByKey(settings.namespace() + "/" + instance.id());
        if (pod == null) {
            pod = client.pods().inNamespace(settings.namespace()).withName(instance.id()).get();
        }
        if (pod == null) {
            return;
        }
        String deployment = pod.getMetadata().getLabels().get(VersionResources.VERSION_HASH);
        try {
            markForRemoval(instance.id());
            Deployment d = deployments().withName(deployment).get();
            if (d == null || replicas(d) <= 1) {
                deleteVersion(deployment);
            } else {
                resize(deployment, n -> n - 1);
            }
        } catch (KubernetesClientException | PlatformException e) {
            log.warn("stopping pod {}: {}", instance.id(), e.getMessage());
        }
        Instant hardStop = clock.now().plus(grace).plus(Duration.ofSeconds(10));
        while (pods.getIndexer().getByKey(settings.namespace() + "/" + instance.id()) != null) {
            if (clock.now().isAfter(hardStop)) {
                log.warn("pod {} still runs {} s after its stop grace: deleting it at once", instance.id(), 10);
                client.pods().inNamespace(settings.namespace()).withName(instance.id()).withGracePeriod(0).delete();
                hardStop = Instant.MAX;
            }
            sleep(POLL);
        }
        log.info("stopped pod {}", instance.id());
    }

    @Override
    public List<Instance> list(String service) {
        return pods.getStore().list().stream()
                .filter(p -> service.equals(p.getMetadata().getLabels().get(VersionResources.SERVICE)))
                .filter(KubernetesPlatform::running)
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .map(p -> instance(p, containerPort(p)))
                .toList();
    }

    @Override
    public Set<String> services() {
        Set<String> out = new java.util.TreeSet<>();
        pods.getStore().list().forEach(p -> Optional.ofNullable(p.getMetadata().getLabels().get(VersionResources.SERVICE)).ifPresent(out::add));
        return out;
    }

    @Override
    public boolean isAlive(Instance instance) {
        Pod p = pods.getIndexer().getByKey(settings.namespace() + "/" + instance.id());
        Watched w = watched.get(instance.id());
        return p != null && running(p) && (w == null || restarts(p) == w.restarts());
    }

    @Override
    public CompletableFuture<Void> exited(Instance instance) {
        Watched w = watch(instance.id());
        Pod p = pods.getIndexer().getByKey(settings.namespace() + "/" + instance.id());
        if (p == null) {
            w.ended().complete(null);
        } else {
            check(p);
        }
        return w.ended();
    }

    /**
     * Ready everywhere: for each version among {@code instances}, its Deployment's controller has seen
     * its latest spec and counts every replica available, and its EndpointSlices list each of these
     * pods ready (what kube-proxy and the router replicas route by). Never weight a backend whose
     * endpoints are not ready (Argo Rollouts #1026).
     */
    @Override
    public Optional<String> notReady(List<Instance> instances) {
        Map<String, List<Instance>> byDeployment = new java.util.TreeMap<>();
        for (Instance i : instances) {
            Pod p = pods.getIndexer().getByKey(settings.namespace() + "/" + i.id());
            if (p == null) {
                return Optional.of("pod " + i.id() + " is gone");
            }
            byDeployment.computeIfAbsent(p.getMetadata().getLabels().get(VersionResources.VERSION_HASH), k -> new ArrayList<>()).add(i);
        }
        for (var e : byDeployment.entrySet()) {
            Deployment d = deployments().withName(e.getKey()).get();
            if (d == null) {
                return Optional.of("deployment " + e.getKey() + " is gone");
            }
            long generation = Optional.ofNullable(d.getMetadata().getGeneration()).orElse(0L);
            var status = d.getStatus();
            if (status == null || Optional.ofNullable(status.getObservedGeneration()).orElse(0L) < generation) {
                return Optional.of("deployment " + e.getKey() + ": its controller has not seen generation " + generation + " yet");
            }
            int available = Optional.ofNullable(status.getAvailableReplicas()).orElse(0);
            if (available < replicas(d)) {
                return Optional.of("deployment " + e.getKey() + ": " + available + " of " + replicas(d) + " replicas available");
            }
            Set<String> readyInSlices = new HashSet<>();
            for (EndpointSlice slice : client.discovery().v1().endpointSlices().inNamespace(settings.namespace())
                    .withLabel(SERVICE_NAME_LABEL, e.getKey()).list().getItems()) {
                for (Endpoint ep : Optional.ofNullable(slice.getEndpoints()).orElse(List.of())) {
                    if (ep.getConditions() != null && Boolean.TRUE.equals(ep.getConditions().getReady())) {
                        readyInSlices.addAll(ep.getAddresses());
                    }
                }
            }
            for (Instance i : e.getValue()) {
                if (!readyInSlices.contains(i.address().host())) {
                    return Optional.of("pod " + i.id() + " (" + i.address().host() + ") is not ready in the EndpointSlices of service " + e.getKey());
                }
            }
        }
        return Optional.empty();
    }

    /** The version Service (its Deployment's name) of the pod at {@code address}: what a Gateway API route sends traffic to. */
    public Optional<String> serviceOf(EndpointAddress address) {
        return pods.getStore().list().stream()
                .filter(p -> p.getStatus() != null && address.host().equals(p.getStatus().getPodIP()) && containerPort(p) == address.port())
                .map(p -> p.getMetadata().getLabels().get(VersionResources.VERSION_HASH)).findFirst();
    }

    @Override
    public String whereToLook(Instance instance) {
        return "kubectl logs -n " + settings.namespace() + " " + instance.id();
    }

    @Override
    public void close() {
        pods.close();
        onClose.run();
    }

    private Watched watch(String pod) {
        return watched.computeIfAbsent(pod, name -> {
            Pod p = pods.getIndexer().getByKey(settings.namespace() + "/" + name);
            return new Watched(p == null ? 0 : restarts(p), new CompletableFuture<>());
        });
    }

    /** A watched pod has ended when it is going away, failed or finished, or a container restarted (the process died). */
    private void check(Pod pod) {
        Watched w = watched.get(pod.getMetadata().getName());
        if (w == null || w.ended().isDone()) {
            return;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (pod.getMetadata().getDeletionTimestamp() != null || "Failed".equals(phase) || "Succeeded".equals(phase) || restarts(pod) > w.restarts()) {
            w.ended().complete(null);
        }
    }

    private Instance instance(Pod p, int port) {
        Instant started = Optional.ofNullable(p.getStatus().getStartTime()).map(Instant::parse).orElse(clock.now());
        String version = p.getMetadata().getAnnotations().getOrDefault(VersionResources.VERSION, "?");
        return new Instance(p.getMetadata().getName(), p.getMetadata().getLabels().get(VersionResources.SERVICE), version,
                new EndpointAddress(p.getStatus().getPodIP(), port), 0, Instant.EPOCH, null, started);
    }

    private static int containerPort(Pod p) {
        return p.getSpec().getContainers().stream().filter(c -> VersionResources.CONTAINER.equals(c.getName())).findFirst()
                .flatMap(c -> c.getPorts().stream().findFirst()).map(cp -> cp.getContainerPort()).orElse(8080);
    }

    static boolean running(Pod p) {
        return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase())
                && p.getStatus().getPodIP() != null && !p.getStatus().getPodIP().isEmpty();
    }

    private static int restarts(Pod p) {
        return p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? 0
                : p.getStatus().getContainerStatuses().stream().mapToInt(c -> c.getRestartCount() == null ? 0 : c.getRestartCount()).sum();
    }

    private static Optional<String> hopeless(Pod p) {
        if (p.getStatus() == null) {
            return Optional.empty();
        }
        if ("Failed".equals(p.getStatus().getPhase())) {
            return Optional.of("failed: " + Optional.ofNullable(p.getStatus().getMessage()).orElse(Optional.ofNullable(p.getStatus().getReason())
                    .orElse("no reason given")));
        }
        for (ContainerStatus c : Optional.ofNullable(p.getStatus().getContainerStatuses()).orElse(List.of())) {
            if (c.getState() != null && c.getState().getWaiting() != null && HOPELESS.contains(c.getState().getWaiting().getReason())) {
                return Optional.of("cannot run: " + c.getState().getWaiting().getReason()
                        + Optional.ofNullable(c.getState().getWaiting().getMessage()).map(m -> " (" + m + ")").orElse(""));
            }
        }
        return Optional.empty();
    }

    private List<Pod> pods(String deployment) {
        return pods.getStore().list().stream().filter(p -> deployment.equals(p.getMetadata().getLabels().get(VersionResources.VERSION_HASH))).toList();
    }

    private List<String> podNames(String deployment) {
        return pods(deployment).stream().map(p -> p.getMetadata().getName()).toList();
    }

    /**
     * The annotation {@code glidepath.io/keep-until} on each Deployment of {@code instances}: a kept-warm
     * previous version says until when, for whoever lists the namespace's Deployments. A JSON merge
     * patch of the one annotation, as for the pods' deletion cost.
     */
    @Override
    public void keepUntil(List<Instance> instances, Instant until) throws PlatformException {
        java.util.Set<String> deployments = new java.util.TreeSet<>();
        for (Instance i : instances) {
            Pod p = pods.getIndexer().getByKey(settings.namespace() + "/" + i.id());
            if (p != null) {
                deployments.add(p.getMetadata().getLabels().get(VersionResources.VERSION_HASH));
            }
        }
        String patch = "{\"metadata\":{\"annotations\":{\"" + VersionResources.KEEP_UNTIL + "\":\"" + until.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + "\"}}}";
        for (String d : deployments) {
            try {
                deployments().withName(d).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            } catch (KubernetesClientException e) {
                throw new PlatformException("cannot annotate deployment " + d + " with " + VersionResources.KEEP_UNTIL + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The ReplicaSet controller removes the pod of lowest deletion cost first when its Deployment
     * shrinks. A JSON merge patch of the one annotation: no precondition, so the kubelet's status
     * writes never make it fail.
     */
    private void markForRemoval(String pod) {
        String patch = "{\"metadata\":{\"annotations\":{\"" + VersionResources.DELETION_COST + "\":\"" + Integer.MIN_VALUE + "\"}}}";
        client.pods().inNamespace(settings.namespace()).withName(pod).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }

    /** Sets the Deployment's replicas with a resourceVersion precondition, again on a conflict (someone else wrote it in between). */
    private void resize(String deployment, UnaryOperator<Integer> change) throws PlatformException {
        for (int attempt = 0; attempt < 20; attempt++) {
            Deployment d = deployments().withName(deployment).get();
            if (d == null) {
                return;
            }
            int next = change.apply(replicas(d));
            if (next <= 0) {
                deleteVersion(deployment);
                return;
            }
            d.getSpec().setReplicas(next);
            try {
                deployments().resource(d).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw new PlatformException("cannot resize deployment " + deployment + ": " + reason(e), e);
                }
            }
        }
        throw new PlatformException("deployment " + deployment + " kept changing under this server for 20 attempts to resize it", null);
    }

    /** Deletes a version's Deployment and its Service (a real cluster would collect the Service as the Deployment's dependant). */
    private void deleteVersion(String name) {
        deployments().withName(name).delete();
        client.services().inNamespace(settings.namespace()).withName(name).delete();
    }

    private static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    private NonNamespaceOperation<Deployment, DeploymentList, RollableScalableResource<Deployment>> deployments() {
        return client.apps().deployments().inNamespace(settings.namespace());
    }

    private static String reason(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() + " (HTTP " + e.getCode() + ")" : e.getMessage();
    }

    private void sleep(Duration d) {
        try {
            clock.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
