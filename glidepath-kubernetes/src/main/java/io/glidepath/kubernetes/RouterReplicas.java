package io.glidepath.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.glidepath.router.client.RouterAdminClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The router's replicas in the cluster, as the server sees them: the pods its selector picks, each
 * reached at its pod IP on the container port named {@code admin}. Only ready ones count (Kubernetes'
 * Ready condition, which the replica's health check gives only once it serves the cluster's routes),
 * and not ones being deleted: what they report is what users reaching them get.
 */
public final class RouterReplicas implements AutoCloseable {
    /** The container port the admin API listens on is named this; without one, 8081. */
    public static final String ADMIN_PORT = "admin";
    public static final int DEFAULT_ADMIN_PORT = 8081;
    private static final Duration SYNC_WITHIN = Duration.ofSeconds(30);
    /** The router's pods in deploy/kubernetes/glidepath.yaml. */
    public static final Map<String, String> DEFAULT_SELECTOR = Map.of(VersionResources.APP_NAME, "glidepath", "app.kubernetes.io/component", "router");

    /** Which pods are the router's, and how long every ready one has to take a route change. */
    public record Settings(Map<String, String> selector, Duration confirmWithin) {
        public Settings {
            selector = Map.copyOf(selector);
        }

        /** As deploy/kubernetes/glidepath.yaml labels them ({@link #DEFAULT_SELECTOR}); 10 s to take a change. */
        public static Settings defaults() {
            return new Settings(DEFAULT_SELECTOR, Duration.ofSeconds(10));
        }

        public Settings withSelector(Map<String, String> s) {
            return new Settings(s, confirmWithin);
        }

        public Settings withConfirmWithin(Duration d) {
            return new Settings(selector, d);
        }

        /** The selector as kubectl writes it. */
        public String selectorText() {
            return String.join(",", selector.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> e.getKey() + "=" + e.getValue()).toList());
        }
    }

    /** One ready replica: its pod and its admin API. */
    public record Replica(String pod, RouterAdminClient admin) {
    }

    private final Settings settings;
    private final String namespace;
    private final String token;
    private final SharedIndexInformer<Pod> pods;
    private final Map<URI, RouterAdminClient> clients = new ConcurrentHashMap<>();

    public RouterReplicas(KubernetesClient client, String namespace, Settings settings, String token) {
        this.settings = settings;
        this.namespace = namespace;
        this.token = token;
        this.pods = client.pods().inNamespace(namespace).withLabels(settings.selector()).inform();
        // who is ready must be known before the first change is counted: an unsynced list would count it applied by nobody
        long deadline = System.nanoTime() + SYNC_WITHIN.toNanos();
        while (!pods.hasSynced()) {
            if (System.nanoTime() > deadline) {
                pods.close();
                throw new IllegalStateException("could not list the router's pods (" + settings.selectorText() + ") in namespace " + namespace
                        + " within " + SYNC_WITHIN.toSeconds() + " s: check this server's permissions (list and watch pods)");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pods.close();
                throw new IllegalStateException("interrupted while listing the router's pods", e);
            }
        }
    }

    public Settings settings() {
        return settings;
    }

    public String namespace() {
        return namespace;
    }

    /** The ready replicas now, by pod name. */
    public List<Replica> ready() {
        List<Replica> out = new ArrayList<>();
        for (Pod p : pods.getStore().list()) {
            if (p.getMetadata().getDeletionTimestamp() != null || p.getStatus() == null || p.getStatus().getPodIP() == null || !isReady(p)) {
                continue;
            }
            URI base = URI.create("http://" + hostOf(p.getStatus().getPodIP()) + ":" + adminPort(p));
            out.add(new Replica(p.getMetadata().getName(), clients.computeIfAbsent(base, b -> new RouterAdminClient(b, token, Duration.ofSeconds(2)))));
        }
        out.sort(Comparator.comparing(Replica::pod));
        return out;
    }

    /** The ready replicas' admin clients (what the judge's figures are summed over). */
    public List<RouterAdminClient> readyAdmins() {
        return ready().stream().map(Replica::admin).toList();
    }

    private static boolean isReady(Pod p) {
        return p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static int adminPort(Pod p) {
        return p.getSpec().getContainers().stream().flatMap(c -> c.getPorts() == null ? java.util.stream.Stream.empty() : c.getPorts().stream())
                .filter(port -> ADMIN_PORT.equals(port.getName())).map(ContainerPort::getContainerPort).filter(Objects::nonNull).findFirst()
                .orElse(DEFAULT_ADMIN_PORT);
    }

    private static String hostOf(String ip) {
        return ip.contains(":") ? "[" + ip + "]" : ip;
    }

    @Override
    public void close() {
        pods.close();
    }
}
