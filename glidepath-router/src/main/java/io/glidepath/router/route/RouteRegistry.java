package io.glidepath.router.route;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.FieldError;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.health.HealthChecker;
import io.glidepath.router.health.HealthChecker.Target;
import io.glidepath.router.health.HealthChecker.TargetKey;
import io.glidepath.router.health.Probe;
import io.glidepath.router.state.StateFile;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of the routing table. Every change is checked against the route's generation,
 * written to the state file, then published as a new immutable {@link RoutingTable} in one volatile
 * write, so a request sees the old table or the new one. New endpoints are probed before the table
 * that sends them traffic is published; endpoints that leave a route start draining.
 *
 * <p>The state file also keeps each endpoint's last known health, rewritten when a check flips one.
 * After a restart, endpoints the file knew HEALTHY take traffic at once and are checked at once (one
 * failed check, or one failed connect, takes such an endpoint out); endpoints it does not know (new
 * ones, or a file written before it kept health) are probed before the first table that holds them,
 * as any new endpoint is.
 */
public final class RouteRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RouteRegistry.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The change names a generation that is no longer the route's. */
    public static final class StaleGenerationException extends Exception {
        public StaleGenerationException(String message) {
            super(message);
        }
    }

    /** The change names a route the router does not have. */
    public static final class UnknownRouteException extends Exception {
        public UnknownRouteException(String name) {
            super("route '" + name + "' does not exist");
        }
    }

    private final StateFile stateFile;
    private final HealthChecker healthChecker;
    private final Map<String, RouteRuntime> runtimes = new ConcurrentHashMap<>();
    private final List<Consumer<RoutingTable>> listeners = new ArrayList<>();
    private volatile RoutingTable table = RoutingTable.EMPTY;
    private Map<String, RouteState> states = new TreeMap<>();
    private long generation;
    /** The health last written to the state file, by route and address (HEALTHY and UNHEALTHY only). */
    private Map<String, Map<EndpointAddress, Endpoint.Health>> writtenHealth = Map.of();

    public RouteRegistry(StateFile stateFile) {
        this.stateFile = stateFile;
        this.healthChecker = new HealthChecker(new HealthChecker.Listener() {
            @Override
            public void healthChanged(TargetKey key, Endpoint.Health health) {
                RouteRegistry.this.healthChanged(key, health);
            }

            @Override
            public void confirmed(TargetKey key, Endpoint.Health health) {
                RouteRuntime rt = runtimes.get(key.route());
                Endpoint e = rt == null ? null : rt.find(key.address());
                if (e != null) {
                    e.confirm();
                }
            }
        });
    }

    /** Called with every published table (metrics registration, for one). */
    public synchronized void onPublish(Consumer<RoutingTable> listener) {
        listeners.add(listener);
        listener.accept(table);
    }

    public RoutingTable table() {
        return table;
    }

    /** Runtimes of current routes and of deleted ones whose endpoints are still draining. */
    public Collection<RouteRuntime> runtimes() {
        return runtimes.values();
    }

    public synchronized List<RouteState> list() {
        return List.copyOf(states.values());
    }

    public synchronized RouteState get(String name) throws UnknownRouteException {
        RouteState s = states.get(name);
        if (s == null) {
            throw new UnknownRouteException(name);
        }
        return s;
    }

    /**
     * Loads the routes of the state file and publishes them. Endpoints with a last known health start
     * with it (checked at once: a HEALTHY one serves until a check or a connect fails); the others are
     * probed once first, as new endpoints are.
     */
    public synchronized void restore(StateFile.Contents contents) {
        generation = contents.generation();
        Map<String, RouteState> next = new TreeMap<>();
        Set<TargetKey> restored = new HashSet<>();
        for (RouteState r : contents.routes()) {
            next.put(r.name(), r);
            RouteRuntime rt = runtimes.computeIfAbsent(r.name(), RouteRuntime::new);
            for (EndpointAddress a : r.spec().allEndpoints()) {
                contents.health(r.name(), a).ifPresent(h -> {
                    rt.endpoint(a).restoreHealth(h);
                    restored.add(new TargetKey(r.name(), a));
                });
            }
        }
        writtenHealth = contents.health();
        publish(next, restored);
        persistHealth();
    }

    /** Creates or replaces a route. */
    public synchronized RouteState put(RouteSpec spec, OptionalLong expected)
            throws StaleGenerationException, InvalidRouteException, IOException {
        RouteState current = states.get(spec.name());
        checkGeneration(spec.name(), current, expected);
        checkMatchIsFree(spec);
        String previewKey = current != null ? current.previewKey() : newPreviewKey();
        return commit(new RouteState(spec, generation + 1, previewKey));
    }

    public synchronized RouteState setWeight(String name, int weight, OptionalLong expected)
            throws StaleGenerationException, UnknownRouteException, IOException {
        RouteState current = get(name);
        checkGeneration(name, current, expected);
        return commit(new RouteState(current.spec().withCanaryWeight(weight), generation + 1, current.previewKey()));
    }

    /** Takes endpoints out of every track of a route; they drain. */
    public synchronized RouteState drain(String name, Set<EndpointAddress> endpoints, OptionalLong expected)
            throws StaleGenerationException, UnknownRouteException, IOException {
        RouteState current = get(name);
        checkGeneration(name, current, expected);
        return commit(new RouteState(current.spec().without(endpoints), generation + 1, current.previewKey()));
    }

    public synchronized long delete(String name, OptionalLong expected)
            throws StaleGenerationException, UnknownRouteException, IOException {
        RouteState current = get(name);
        checkGeneration(name, current, expected);
        Map<String, RouteState> next = new TreeMap<>(states);
        next.remove(name);
        long g = generation + 1;
        Map<String, Map<EndpointAddress, Endpoint.Health>> health = healthOf(next);
        stateFile.write(new StateFile.Contents(g, List.copyOf(next.values()), health));
        writtenHealth = health;
        generation = g;
        publish(next, Set.of());
        return g;
    }

    /**
     * Takes a route exactly as another writer made it, its generation and preview key included: the
     * cluster's route objects, which the server writes with their own preconditions (a router in
     * Kubernetes mode takes no writes of its own). The same route again changes nothing. A route
     * taking the match of another is refused, as {@link #put} refuses it.
     */
    public synchronized void adopt(RouteState route) throws InvalidRouteException, IOException {
        RouteState current = states.get(route.name());
        if (route.equals(current)) {
            return;
        }
        checkMatchIsFree(route.spec());
        commit(route, generation + 1);
    }

    /** Takes a route away because its writer deleted it (a router in Kubernetes mode); its endpoints drain. */
    public synchronized void forget(String name) throws IOException {
        if (!states.containsKey(name)) {
            return;
        }
        try {
            delete(name, OptionalLong.empty());
        } catch (StaleGenerationException | UnknownRouteException e) {
            throw new IllegalStateException("no generation was asked and the route exists", e);
        }
    }

    /** The names of the routes held now. */
    public synchronized Set<String> names() {
        return Set.copyOf(states.keySet());
    }

    private RouteState commit(RouteState changed) throws IOException {
        return commit(changed, changed.generation());
    }

    /** Writes and publishes {@code changed}; {@code tableGeneration} is the router-wide one, which only grows. */
    private RouteState commit(RouteState changed, long tableGeneration) throws IOException {
        Map<String, RouteState> next = new TreeMap<>(states);
        next.put(changed.name(), changed);
        Map<String, Map<EndpointAddress, Endpoint.Health>> health = healthOf(next);
        stateFile.write(new StateFile.Contents(tableGeneration, List.copyOf(next.values()), health));
        writtenHealth = health;
        generation = tableGeneration;
        publish(next, Set.of());
        persistHealth(); // new endpoints were probed: their health goes to the file too
        return changed;
    }

    private void checkMatchIsFree(RouteSpec spec) throws InvalidRouteException {
        for (RouteState other : states.values()) {
            if (!other.name().equals(spec.name()) && other.spec().match().equals(spec.match())) {
                throw new InvalidRouteException(List.of(new FieldError("/match", "route '" + other.name()
                        + "' already takes host " + (spec.match().host() == null ? "(any)" : spec.match().host())
                        + " and path prefix " + spec.match().pathPrefix() + ": change one of them or update that route")));
            }
        }
    }

    private static void checkGeneration(String name, RouteState current, OptionalLong expected) throws StaleGenerationException {
        if (expected.isEmpty()) {
            return;
        }
        long have = current == null ? 0 : current.generation();
        if (have != expected.getAsLong()) {
            throw new StaleGenerationException(current == null
                    ? "route '" + name + "' does not exist (expected generation " + expected.getAsLong() + "); create it without If-Match or with If-Match: 0"
                    : "route '" + name + "' is at generation " + have + ", not " + expected.getAsLong() + ": read it again and retry");
        }
    }

    /** Resolves endpoints, probes new ones, publishes the table, starts drains and re-aims health checks. */
    private void publish(Map<String, RouteState> next, Set<TargetKey> restored) {
        long now = System.nanoTime();
        Map<Endpoint, HealthCheck> fresh = new HashMap<>();
        List<ActiveRoute> active = new ArrayList<>();
        for (RouteState s : next.values()) {
            RouteRuntime rt = runtimes.computeIfAbsent(s.name(), RouteRuntime::new);
            if (canaryBegins(states.get(s.name()), s)) {
                rt.canaryBegins();
            }
            for (EndpointAddress a : s.spec().allEndpoints()) {
                Endpoint e = rt.endpoint(a);
                if (e.phase() == Endpoint.Phase.DRAINED) {
                    e.setHealth(Endpoint.Health.PENDING);
                }
                if (e.phase() != Endpoint.Phase.ACTIVE) {
                    e.cancelDrain();
                }
                if (e.health() == Endpoint.Health.PENDING) {
                    fresh.put(e, s.spec().healthOf(a));
                }
            }
            active.add(new ActiveRoute(s, rt));
        }
        probeFirst(fresh);
        RoutingTable published = new RoutingTable(active, generation);
        Map<String, RouteState> previous = states;
        table = published;
        states = next;
        // endpoints that left their route (or whose route went) drain from now on, each by the drain timeout of
        // the route it left (its own version's when the route gave it one)
        for (RouteRuntime rt : runtimes.values()) {
            RouteState left = previous.containsKey(rt.name()) ? previous.get(rt.name()) : next.get(rt.name());
            Set<EndpointAddress> kept = next.containsKey(rt.name()) ? next.get(rt.name()).spec().allEndpoints() : Set.of();
            for (Endpoint e : rt.endpoints()) {
                if (e.phase() == Endpoint.Phase.ACTIVE && !kept.contains(e.address())) {
                    Duration drain = left != null ? left.spec().drainTimeoutOf(e.address()) : RouteSpec.DEFAULT_DRAIN_TIMEOUT;
                    e.startDrain(now + drain.toNanos());
                    log.info("endpoint {} left route {}: draining ({} in flight)", e.address(), rt.name(), e.inflight());
                }
            }
        }
        healthChecker.reconcile(targets(published, restored));
        listeners.forEach(l -> l.accept(published));
    }

    /**
     * Whether {@code after} starts a new canary on its route: its canary track has endpoints and shares none
     * with the canary track {@code before} (a first canary, or one version in place of another). A weight
     * step, a canary instance replaced among others, a promotion (the canary emptied) or a rollback do not.
     */
    static boolean canaryBegins(RouteState before, RouteState after) {
        List<EndpointAddress> now = after.spec().endpoints(Track.CANARY);
        if (now.isEmpty()) {
            return false;
        }
        List<EndpointAddress> was = before == null ? List.of() : before.spec().endpoints(Track.CANARY);
        return now.stream().noneMatch(was::contains);
    }

    /** Probes endpoints that have never been checked, each by its own check, in parallel, so they take traffic only when up. */
    private static void probeFirst(Map<Endpoint, HealthCheck> fresh) {
        if (fresh.isEmpty()) {
            return;
        }
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            fresh.forEach((e, check) -> ex.submit(() -> {
                if (Probe.passes(e.address(), check)) {
                    e.setHealth(Endpoint.Health.HEALTHY);
                }
            }));
        }
    }

    private List<Target> targets(RoutingTable t, Set<TargetKey> restored) {
        List<Target> targets = new ArrayList<>();
        for (ActiveRoute r : t.routes().values()) {
            for (EndpointAddress a : r.spec().allEndpoints()) {
                Endpoint e = r.runtime().endpoint(a);
                TargetKey key = new TargetKey(r.name(), a);
                targets.add(new Target(key, r.spec().healthOf(a), e.health(), restored.contains(key)));
            }
        }
        return targets;
    }

    private void healthChanged(TargetKey key, Endpoint.Health health) {
        RouteRuntime rt = runtimes.get(key.route());
        if (rt != null) {
            rt.endpoint(key.address()).setHealth(health); // the data path sees it now; the file follows
            persistHealth();
        }
    }

    /** Each endpoint's known health (HEALTHY or UNHEALTHY) in {@code routes}, as the state file keeps it. */
    private Map<String, Map<EndpointAddress, Endpoint.Health>> healthOf(Map<String, RouteState> routes) {
        Map<String, Map<EndpointAddress, Endpoint.Health>> health = new TreeMap<>();
        for (RouteState s : routes.values()) {
            RouteRuntime rt = runtimes.get(s.name());
            if (rt == null) {
                continue;
            }
            Map<EndpointAddress, Endpoint.Health> known = new HashMap<>();
            for (EndpointAddress a : s.spec().allEndpoints()) {
                Endpoint e = rt.find(a);
                if (e != null && e.health() != Endpoint.Health.PENDING) {
                    known.put(a, e.health());
                }
            }
            if (!known.isEmpty()) {
                health.put(s.name(), Map.copyOf(known));
            }
        }
        return Map.copyOf(health);
    }

    /** Rewrites the state file when the endpoints' health differs from what it holds (same routes, same generation). */
    private synchronized void persistHealth() {
        Map<String, Map<EndpointAddress, Endpoint.Health>> health = healthOf(states);
        if (health.equals(writtenHealth) || stateFile.isClosed()) {
            return;
        }
        try {
            stateFile.write(new StateFile.Contents(generation, List.copyOf(states.values()), health));
            writtenHealth = health;
        } catch (IOException e) {
            log.warn("could not write the endpoints' health to {}: {} (a restart will check them before traffic)", stateFile.path(), e.toString());
        }
    }

    /** Forgets drained endpoints after a while, and runtimes of deleted routes once nothing is left. */
    public synchronized void forgetDrained(long olderThanMillis) {
        long now = System.currentTimeMillis();
        RoutingTable t = table;
        for (RouteRuntime rt : runtimes.values()) {
            for (Endpoint e : rt.endpoints()) {
                if (e.phase() == Endpoint.Phase.DRAINED && now - e.drainedAtMillis() > olderThanMillis) {
                    rt.forget(e.address());
                }
            }
            if (t.route(rt.name()) == null && rt.endpoints().isEmpty()) {
                runtimes.remove(rt.name(), rt);
            }
        }
    }

    private static String newPreviewKey() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * The router is stopping: from now on nothing is written to the state directory, which a successor
     * may own (it waits for this). Routing and health checks go on for the requests still in flight.
     */
    public void letGoOfState() {
        stateFile.close();
    }

    @Override
    public void close() {
        healthChecker.close();
        stateFile.close();
    }
}
