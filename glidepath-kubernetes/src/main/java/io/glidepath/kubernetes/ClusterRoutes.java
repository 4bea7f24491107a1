package io.glidepath.kubernetes;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.client.RouterAdminException;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.net.HttpURLConnection;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The engine's {@link TrafficRouter} on a router of several replicas in the cluster: a route is a
 * ConfigMap ({@link RouteObjects}) that every replica watches. A change is one write with the
 * object's resourceVersion as its precondition (another writer meanwhile: 409, and the change is
 * stale, as the router's admin API refuses one); it counts as applied only once every ready replica
 * reports the route at the new generation through its admin API, so a step's bake, a verdict and a
 * rollback's "traffic is back" all mean every user, whichever replica they reach.
 */
public final class ClusterRoutes implements TrafficRouter {
    private static final Duration FIRST_POLL = Duration.ofMillis(1);
    private static final Duration LAST_POLL = Duration.ofMillis(5);

    private final KubernetesClient client;
    private final RouterReplicas replicas;
    private final EndpointAddress entry;
    private final Function<EndpointAddress, Optional<String>> serviceOf;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param serviceOf the version Service of an endpoint (the platform knows its pods), written beside
     *                  the route so that each replica follows that version's EndpointSlices
     */
    public ClusterRoutes(KubernetesClient client, RouterReplicas replicas, EndpointAddress entry, Function<EndpointAddress, Optional<String>> serviceOf,
                         Clock clock) {
        this.client = client;
        this.replicas = replicas;
        this.entry = entry;
        this.serviceOf = serviceOf;
        this.clock = clock;
    }

    @Override
    public RouteState apply(RouteSpec spec, OptionalLong expectedGeneration) throws TrafficException, StaleRouteException {
        String object = RouteObjects.objectName(spec.name());
        ConfigMap existing = read(spec.name());
        long generation = existing == null ? 0 : generationOf(existing);
        if (expectedGeneration.isPresent() && expectedGeneration.getAsLong() != generation) {
            throw new StaleRouteException("route " + spec.name() + " is at generation " + generation + ", not " + expectedGeneration.getAsLong()
                    + ": someone changed it meanwhile; read it again");
        }
        checkMatchIsFree(spec);
        String previewKey = Optional.ofNullable(existing).map(cm -> annotations(cm).get(RouteObjects.PREVIEW_KEY)).orElseGet(this::newKey);
        RouteState next = new RouteState(spec, generation + 1, previewKey);
        Map<EndpointAddress, String> services = new HashMap<>();
        spec.allEndpoints().forEach(a -> serviceOf.apply(a).ifPresent(s -> services.put(a, s)));
        ConfigMap wanted = RouteObjects.toConfigMap(next, replicas.namespace(), services);
        try {
            if (existing == null) {
                objects().resource(wanted).create();
            } else {
                wanted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                objects().resource(wanted).update();
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                throw new StaleRouteException("route " + spec.name() + " was written by someone else meanwhile (ConfigMap " + object + "); read it again");
            }
            throw new TrafficException("cannot write ConfigMap " + object + ": " + e.getMessage(), e);
        }
        // a canary taking users' traffic: every replica must also find it healthy, or it would send its users elsewhere
        boolean canaryServes = spec.canaryWeight() > 0 && !spec.canary().isEmpty();
        awaitEveryReplica(spec.name(), OptionalLong.of(next.generation()), canaryServes);
        return next;
    }

    @Override
    public void remove(String route) throws TrafficException {
        try {
            objects().withName(RouteObjects.objectName(route)).delete();
        } catch (KubernetesClientException e) {
            throw new TrafficException("cannot delete ConfigMap " + RouteObjects.objectName(route) + ": " + e.getMessage(), e);
        }
        awaitEveryReplica(route, OptionalLong.empty(), false);
    }

    @Override
    public Optional<RouteState> current(String route) throws TrafficException {
        ConfigMap cm = read(route);
        if (cm == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(RouteObjects.read(cm));
        } catch (InvalidRouteException e) {
            throw new TrafficException(e.getMessage(), e);
        }
    }

    /** Requests in flight per endpoint, summed over the ready replicas (each drains its own). */
    @Override
    public Map<EndpointAddress, Integer> inflight(String route) throws TrafficException {
        Map<EndpointAddress, Integer> sum = new HashMap<>();
        for (RouterReplicas.Replica r : replicas.ready()) {
            try {
                r.admin().endpoints(route).forEach(e -> sum.merge(e.address(), e.inflight(), Integer::sum));
            } catch (RouterAdminException e) {
                if (!e.isNotFound()) {
                    throw new TrafficException("router replica " + r.pod() + ": " + e.getMessage(), e);
                }
            }
        }
        return sum;
    }

    @Override
    public EndpointAddress entry() {
        return entry;
    }

    @Override
    public String via() {
        return "Glidepath's router at " + entry + ": its replicas (pods " + replicas.settings().selectorText() + ") read the routes from ConfigMaps "
                + "in namespace " + replicas.namespace() + "; a step counts once every ready replica serves it";
    }

    /**
     * Waits until every ready replica serves {@code route} at {@code generation} (empty: no longer has
     * it) and, with {@code canaryHealthy}, has checked every canary endpoint it serves and found it
     * healthy (never weight a backend a replica cannot reach, Argo Rollouts #1026). A replica that became
     * ready meanwhile is asked too; one that stopped being ready is not. Changes that take a canary's
     * traffic away (rollbacks, promotions) wait for the generation only.
     */
    private void awaitEveryReplica(String route, OptionalLong generation, boolean canaryHealthy) throws TrafficException {
        Instant deadline = clock.now().plus(replicas.settings().confirmWithin());
        Duration poll = FIRST_POLL;
        String want = generation.isPresent() ? "generation " + generation.getAsLong() : "no such route";
        while (true) {
            RouterReplicas.Replica behind = null;
            String serves = null;
            List<RouterReplicas.Replica> ready = replicas.ready();
            if (ready.isEmpty()) {
                // a change no replica serves is applied for nobody: users reach no router at all
                serves = "no router replica is ready (pods " + replicas.settings().selectorText() + " in namespace " + replicas.namespace() + ")";
            }
            for (RouterReplicas.Replica r : ready) {
                serves = serves(r, route);
                if (serves.equals(want) && canaryHealthy) {
                    serves = canaryHealth(r, route).map(h -> "generation " + generation.getAsLong() + " with " + h).orElse(want);
                }
                if (!serves.equals(want)) {
                    behind = r;
                    break;
                }
            }
            if (behind == null && !ready.isEmpty()) {
                return;
            }
            if (clock.now().isAfter(deadline)) {
                String change = generation.isPresent() ? "route " + route + " generation " + generation.getAsLong() + " is written" : "route " + route
                        + " is deleted";
                String after = " after " + replicas.settings().confirmWithin().toSeconds() + " s: ";
                throw new TrafficException(behind == null
                        ? change + ", but " + serves + after + "users reach no router; check the router's Deployment (kubectl get pods -n "
                                + replicas.namespace() + " -l " + replicas.settings().selectorText() + ")"
                        : change + ", but router replica " + behind.pod() + " serves " + serves + after + "check that replica's log (kubectl logs -n "
                                + replicas.namespace() + " " + behind.pod() + ")", null);
            }
            try {
                clock.sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrafficException("interrupted while waiting for the router replicas to take route " + route, e);
            }
            poll = poll.multipliedBy(2).compareTo(LAST_POLL) > 0 ? LAST_POLL : poll.multipliedBy(2);
        }
    }

    private static String serves(RouterReplicas.Replica r, String route) {
        try {
            return r.admin().route(route).map(s -> "generation " + s.generation()).orElse("no such route");
        } catch (RouterAdminException e) {
            return "nothing it can say (" + e.getMessage() + ")";
        }
    }

    /** What is wrong with the canary endpoints {@code r} serves: one not checked yet, or unhealthy; empty when all are healthy. */
    private static Optional<String> canaryHealth(RouterReplicas.Replica r, String route) {
        try {
            for (var e : r.admin().endpoints(route)) {
                if (e.track().equals(Optional.of(io.glidepath.route.Track.CANARY)) && !e.health().equals("healthy")) {
                    return Optional.of("canary endpoint " + e.address() + " " + (e.health().equals("pending") ? "not checked yet" : e.health()));
                }
            }
            return Optional.empty();
        } catch (RouterAdminException e) {
            return Optional.of("no endpoints it can say (" + e.getMessage() + ")");
        }
    }

    private void checkMatchIsFree(RouteSpec spec) throws TrafficException {
        for (ConfigMap cm : objects().withLabel(RouteObjects.ROUTE).list().getItems()) {
            String other = cm.getMetadata().getLabels().get(RouteObjects.ROUTE);
            if (other.equals(spec.name())) {
                continue;
            }
            try {
                if (RouteObjects.read(cm).spec().match().equals(spec.match())) {
                    throw new TrafficException("route '" + other + "' already takes host " + (spec.match().host() == null ? "(any)" : spec.match().host())
                            + " and path prefix " + spec.match().pathPrefix() + ": change one of them or update that route", null);
                }
            } catch (InvalidRouteException e) {
                // a route object no replica can read takes no match
            }
        }
    }

    private ConfigMap read(String route) throws TrafficException {
        try {
            return objects().withName(RouteObjects.objectName(route)).get();
        } catch (KubernetesClientException e) {
            throw new TrafficException("cannot read ConfigMap " + RouteObjects.objectName(route) + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> annotations(ConfigMap cm) {
        return Optional.ofNullable(cm.getMetadata().getAnnotations()).orElse(Map.of());
    }

    private static long generationOf(ConfigMap cm) {
        try {
            return Long.parseLong(annotations(cm).getOrDefault(RouteObjects.GENERATION, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private NonNamespaceOperation<ConfigMap, ConfigMapList, Resource<ConfigMap>> objects() {
        return client.configMaps().inNamespace(replicas.namespace());
    }

    private String newKey() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
