package io.glidepath.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteState;
import io.glidepath.router.route.RouteRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A router replica's routes, from the cluster: it watches the namespace's route objects
 * ({@link RouteObjects}) and hands each to its route registry as it is, generation and preview key
 * included, so that every replica holds the same route under the same generation, and the split (a
 * pure hash of the client) sends each user to the same version whichever replica they reach.
 *
 * <p>{@link #loaded()} turns true once every route object listed at start has been taken and the
 * routes the replica's state file still held but the cluster no longer has are gone; until then the
 * replica's health check answers 503, so it is neither counted by the server nor sent users' traffic.
 * A route object a replica cannot read is logged with its name and the bad field, and the replica
 * keeps serving what it had of that route.
 */
public final class RouteFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RouteFeed.class);
    private static final Duration POLL = Duration.ofMillis(20);

    private final String namespace;
    private final RouteRegistry registry;
    private final SharedIndexInformer<ConfigMap> informer;
    private volatile boolean loaded;
    private boolean closed;

    private RouteFeed(KubernetesClient client, String namespace, RouteRegistry registry) {
        this.namespace = namespace;
        this.registry = registry;
        this.informer = client.configMaps().inNamespace(namespace).withLabel(RouteObjects.ROUTE).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                take(cm);
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap cm) {
                take(cm);
            }

            @Override
            public void onDelete(ConfigMap cm, boolean finalStateUnknown) {
                String route = cm.getMetadata().getLabels().get(RouteObjects.ROUTE);
                try {
                    registry.forget(route);
                    log.info("route {} deleted in the cluster: its endpoints drain", route);
                } catch (IOException e) {
                    log.error("route {} was deleted in the cluster but its removal could not be written to the state file: {}", route, e.toString());
                }
            }
        }, 0);
    }

    /**
     * Starts watching, and returns once the routes the cluster holds are served (at most {@code within};
     * then it fails, naming what to check).
     */
    public static RouteFeed start(KubernetesClient client, String namespace, RouteRegistry registry, Duration within) throws InterruptedException {
        RouteFeed feed = new RouteFeed(client, namespace, registry);
        long deadline = System.nanoTime() + within.toNanos();
        while (!feed.informer.hasSynced()) {
            if (System.nanoTime() > deadline) {
                feed.close();
                throw new IllegalStateException("could not list the route ConfigMaps of namespace " + namespace + " within " + within.toSeconds()
                        + " s: check the cluster's address and this router's permissions (get, list and watch configmaps)");
            }
            Thread.sleep(POLL.toMillis());
        }
        feed.catchUp();
        return feed;
    }

    /** Whether the routes listed at start are served (the replica may be counted ready). */
    public boolean loaded() {
        return loaded;
    }

    /** Takes every listed route now (the informer's own events may still be queued), and drops what the cluster no longer has. */
    private void catchUp() {
        Set<String> listed = new HashSet<>();
        for (ConfigMap cm : informer.getStore().list()) {
            listed.add(cm.getMetadata().getLabels().get(RouteObjects.ROUTE));
            take(cm);
        }
        for (String held : registry.names()) {
            if (!listed.contains(held)) {
                try {
                    registry.forget(held);
                    log.info("route {} from the state file is no longer in the cluster: its endpoints drain", held);
                } catch (IOException e) {
                    log.error("could not write the removal of route {} to the state file: {}", held, e.toString());
                }
            }
        }
        loaded = true;
        log.info("serving the {} routes of namespace {}", listed.size(), namespace);
    }

    private void take(ConfigMap cm) {
        RouteState route;
        try {
            route = RouteObjects.read(cm);
        } catch (InvalidRouteException e) {
            log.error("cannot take {}: {}; this replica keeps what it had of that route", cm.getMetadata().getName(), e.getMessage());
            return;
        }
        try {
            registry.adopt(route);
        } catch (InvalidRouteException | IOException e) {
            log.error("cannot take route {} at generation {}: {}; this replica keeps what it had of that route", route.name(), route.generation(),
                    e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        informer.close();
    }
}
