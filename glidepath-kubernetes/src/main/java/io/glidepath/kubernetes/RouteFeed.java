package io.glidepath.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteState;
import io.glidepath.router.route.RouteRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A router replica's routes, from the cluster: it watches the namespace's route objects
 * ({@link RouteObjects}) and hands each to its route registry with the generation and preview key the
 * server gave it, so that every replica holds the same route under the same generation and the split
 * (a pure hash of the user) sends each user to the same version whichever replica they reach. It also
 * watches the EndpointSlices, and keeps each track to its versions' ready pods between two writes of
 * the server ({@link TrackEndpoints}): a terminating pod drains, a replacement pod joins.
 *
 * <p>{@link #loaded()} turns true once every route object listed at start is served and the routes
 * the replica's state file still held but the cluster no longer has are gone; until then the
 * replica's {@code /ready} answers 503, so it is neither counted by the server nor sent users. A route
 * object a replica cannot read is logged with its name and the bad field, and the replica keeps
 * serving what it had of that route.
 */
public final class RouteFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RouteFeed.class);
    private static final Duration POLL = Duration.ofMillis(20);

    /** A route as the server wrote it, the version Service of its endpoints, and every endpoint it ever listed. */
    private record Written(RouteState route, Map<EndpointAddress, String> services, Set<EndpointAddress> ever) {
    }

    private final String namespace;
    private final RouteRegistry registry;
    private final Map<String, Written> written = new HashMap<>();
    private final SharedIndexInformer<ConfigMap> routes;
    private final SharedIndexInformer<EndpointSlice> slices;
    private volatile boolean loaded;
    private boolean closed;

    private RouteFeed(KubernetesClient client, String namespace, RouteRegistry registry) {
        this.namespace = namespace;
        this.registry = registry;
        this.slices = client.discovery().v1().endpointSlices().inNamespace(namespace).inform(handler(this::sliceChanged, this::sliceChanged), 0);
        this.routes = client.configMaps().inNamespace(namespace).withLabel(RouteObjects.ROUTE).inform(handler(this::take, this::gone), 0);
    }

    private static <T> ResourceEventHandler<T> handler(Consumer<T> changed, Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T o) {
                changed.accept(o);
            }

            @Override
            public void onUpdate(T before, T o) {
                changed.accept(o);
            }

            @Override
            public void onDelete(T o, boolean finalStateUnknown) {
                deleted.accept(o);
            }
        };
    }

    /**
     * Starts watching, and returns once the routes the cluster holds are served (at most {@code within};
     * then it fails, naming what to check).
     */
    public static RouteFeed start(KubernetesClient client, String namespace, RouteRegistry registry, Duration within) throws InterruptedException {
        RouteFeed feed = new RouteFeed(client, namespace, registry);
        long deadline = System.nanoTime() + within.toNanos();
        while (!feed.routes.hasSynced() || !feed.slices.hasSynced()) {
            if (System.nanoTime() > deadline) {
                feed.close();
                throw new IllegalStateException("could not list the route ConfigMaps and EndpointSlices of namespace " + namespace + " within "
                        + within.toSeconds() + " s: check the cluster's address and this router's permissions (list and watch configmaps and "
                        + "endpointslices)");
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

    /** Takes every listed route now (the informers' own events may still be queued), and drops what the cluster no longer has. */
    private synchronized void catchUp() {
        Set<String> listed = new HashSet<>();
        for (ConfigMap cm : routes.getStore().list()) {
            listed.add(cm.getMetadata().getLabels().get(RouteObjects.ROUTE));
            take(cm);
        }
        for (String held : registry.names()) {
            if (!listed.contains(held)) {
                forget(held, "from the state file is no longer in the cluster");
            }
        }
        loaded = true;
        log.info("serving the {} routes of namespace {}", listed.size(), namespace);
    }

    private synchronized void take(ConfigMap cm) {
        RouteState route;
        try {
            route = RouteObjects.read(cm);
        } catch (InvalidRouteException e) {
            log.error("cannot take {}: {}; this replica keeps what it had of that route", cm.getMetadata().getName(), e.getMessage());
            return;
        }
        Written before = written.get(route.name());
        Map<EndpointAddress, String> services = RouteObjects.servicesOf(cm);
        Set<EndpointAddress> ever = new HashSet<>(before == null ? Set.of() : before.ever());
        if (before != null) {
            // an address the server took out is remembered only while its pod is still listed: once the pod is gone, nothing can
            // bring it back, and a long-lived replica would otherwise remember every pod a release ever had
            ever.removeIf(a -> before.services().containsKey(a) && slicesOf(before.services().get(a))
                    .map(eps -> eps.stream().noneMatch(e -> e.ip().equals(a.host()))).orElse(false));
        }
        ever.addAll(route.spec().allEndpoints());
        Written now = new Written(route, services, ever);
        written.put(route.name(), now);
        serve(now);
    }

    private synchronized void gone(ConfigMap cm) {
        String route = cm.getMetadata().getLabels().get(RouteObjects.ROUTE);
        written.remove(route);
        forget(route, "was deleted in the cluster");
    }

    /** Routes with an endpoint of the slice's Service are served again, kept to what the slices say now. */
    private synchronized void sliceChanged(EndpointSlice slice) {
        String service = serviceOf(slice);
        for (Written w : List.copyOf(written.values())) {
            if (w.services().containsValue(service)) {
                serve(w);
            }
        }
    }

    private void serve(Written w) {
        RouteState served = new RouteState(TrackEndpoints.resolve(w.route().spec(), w.services(), w.ever(), this::slicesOf), w.route().generation(),
                w.route().previewKey());
        try {
            registry.adopt(served);
        } catch (InvalidRouteException | IOException e) {
            log.error("cannot take route {} at generation {}: {}; this replica keeps what it had of that route", served.name(), served.generation(),
                    e.getMessage());
        }
    }

    private void forget(String route, String why) {
        try {
            registry.forget(route);
            log.info("route {} {}: its endpoints drain", route, why);
        } catch (IOException e) {
            log.error("route {} {}, but its removal could not be written to the state file: {}", route, why, e.toString());
        }
    }

    private Optional<List<TrackEndpoints.SliceEndpoint>> slicesOf(String service) {
        List<TrackEndpoints.SliceEndpoint> out = new ArrayList<>();
        boolean seen = false;
        for (EndpointSlice s : slices.getStore().list()) {
            if (!service.equals(serviceOf(s))) {
                continue;
            }
            seen = true;
            for (var e : Optional.ofNullable(s.getEndpoints()).orElse(List.of())) {
                var c = e.getConditions();
                // an unknown condition counts as ready and not terminating, as the API's documentation says consumers should
                boolean ready = c == null || c.getReady() == null || c.getReady();
                boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                for (String ip : Optional.ofNullable(e.getAddresses()).orElse(List.of())) {
                    out.add(new TrackEndpoints.SliceEndpoint(ip, ready, terminating));
                }
            }
        }
        return seen ? Optional.of(out) : Optional.empty();
    }

    private static String serviceOf(EndpointSlice slice) {
        return slice.getMetadata().getLabels() == null ? null : slice.getMetadata().getLabels().get(KubernetesPlatform.SERVICE_NAME_LABEL);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        routes.close();
        slices.close();
    }
}
