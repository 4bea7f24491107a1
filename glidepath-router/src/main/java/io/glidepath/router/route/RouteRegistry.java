package io.glidepath.router.route;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.FieldError;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteMatch;
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
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of the routing table. Every change is checked against the route's generation,
 * written to the state file (one line of its log), then published in the {@link RoutingTable} as one
 * new immutable {@link ActiveRoute} in place of the route's old one, so a request sees the route's
 * old generation or its new one. A change costs the route it changes, not the number of routes: the
 * other routes' ActiveRoutes, endpoints, checks and metrics are not touched. New endpoints are probed before the table
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
    /** Changed one route at a time, in place: see {@link RoutingTable}. */
    private final RoutingTable table = new RoutingTable();
    private final TreeMap<String, RouteState> states = new TreeMap<>();
    /** Which route holds each match, so that a change checks its match at the cost of a lookup. */
    private final Map<RouteMatch, String> byMatch = new HashMap<>();
    private long generation;
    /** The health last written to the state file, by route and address (HEALTHY and UNHEALTHY only). */
    private final Map<String, Map<EndpointAddress, Endpoint.Health>> writtenHealth = new HashMap<>();
    /**
     * Endpoints that left their route and are not forgotten yet (draining, then drained), with their route's
     * runtime: what the drainer (every 50 ms) and {@link #forgetDrained} look at, rather than every route's.
     */
    private final Map<Endpoint, RouteRuntime> leaving = new ConcurrentHashMap<>();
    /** Routes whose endpoints' health a check changed since the state file was last told. */
    private final Set<String> healthToWrite = ConcurrentHashMap.newKeySet();

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

            @Override
            public void settled() {
                persistHealth();
            }
        });
    }

    /** Called with the table now and after every change (it is the same table, changed in place). */
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
        Set<TargetKey> restored = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (RouteState r : contents.routes()) {
            names.add(r.name());
            RouteRuntime rt = runtimes.computeIfAbsent(r.name(), RouteRuntime::new);
            for (EndpointAddress a : r.spec().allEndpoints()) {
                contents.health(r.name(), a).ifPresent(h -> {
                    rt.endpoint(a).restoreHealth(h);
                    restored.add(new TargetKey(r.name(), a));
                });
            }
        }
        List<String> gone = states.keySet().stream().filter(n -> !names.contains(n)).toList();
        writtenHealth.clear();
        writtenHealth.putAll(contents.health());
        publish(contents.routes(), gone, restored);
        persistHealth(names);
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
        long g = generation + 1;
        stateFile.append(new StateFile.Change(g, List.of(), List.of(name), Map.of()));
        writtenHealth.remove(name);
        generation = g;
        publish(List.of(), List.of(name), Set.of());
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

    /**
     * Writes and publishes {@code changed} at the cost of that route: one line of the state file's log, one
     * ActiveRoute, one entry of the table; {@code tableGeneration} is the router-wide one, which only grows.
     */
    private RouteState commit(RouteState changed, long tableGeneration) throws IOException {
        String name = changed.name();
        Map<EndpointAddress, Endpoint.Health> health = healthOf(changed);
        Map<String, Map<EndpointAddress, Endpoint.Health>> healthChange =
                health.equals(writtenHealth.getOrDefault(name, Map.of())) ? Map.of() : Map.of(name, health);
        stateFile.append(new StateFile.Change(tableGeneration, List.of(changed), List.of(), healthChange));
        remember(name, health);
        generation = tableGeneration;
        publish(List.of(changed), List.of(), Set.of());
        persistHealth(Set.of(name)); // new endpoints were probed: their health goes to the file too
        return changed;
    }

    private void checkMatchIsFree(RouteSpec spec) throws InvalidRouteException {
        String other = byMatch.get(spec.match());
        if (other != null && !other.equals(spec.name())) {
            throw new InvalidRouteException(List.of(new FieldError("/match", "route '" + other
                    + "' already takes host " + (spec.match().host() == null ? "(any)" : spec.match().host())
                    + " and path prefix " + spec.match().pathPrefix() + ": change one of them or update that route")));
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

    /**
     * Publishes {@code changed} (added or replaced) and takes {@code removed} out, at the cost of those routes:
     * resolves their endpoints, probes new ones (an endpoint whose check already runs for another route takes
     * that check's health instead), puts their ActiveRoutes in the table, starts drains and re-aims their checks.
     * The other routes' ActiveRoutes stay as they are.
     */
    private void publish(Collection<RouteState> changed, Collection<String> removed, Set<TargetKey> restored) {
        long now = System.nanoTime();
        Map<Endpoint, HealthCheck> fresh = new HashMap<>();
        List<ActiveRoute> active = new ArrayList<>();
        for (RouteState s : changed) {
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
                    leaving.remove(e);
                }
                if (e.health() == Endpoint.Health.PENDING) {
                    HealthCheck check = s.spec().healthOf(a);
                    healthChecker.known(a, check).ifPresentOrElse(e::setHealth, () -> fresh.put(e, check));
                }
            }
            active.add(new ActiveRoute(s, rt));
        }
        probeFirst(fresh);
        Map<String, RouteState> previous = new HashMap<>();
        for (ActiveRoute r : active) {
            RouteState before = states.put(r.name(), r.state());
            if (before != null) {
                previous.put(r.name(), before);
                byMatch.remove(before.spec().match(), r.name());
            }
            byMatch.put(r.spec().match(), r.name());
            table.put(r);
        }
        for (String name : removed) {
            RouteState before = states.remove(name);
            if (before != null) {
                previous.put(name, before);
                byMatch.remove(before.spec().match(), name);
            }
            table.remove(name);
        }
        table.setGeneration(generation);
        // endpoints that left their route (or whose route went) drain from now on, each by the drain timeout of
        // the route it left (its own version's when the route gave it one)
        List<String> touched = new ArrayList<>(changed.size() + removed.size());
        changed.forEach(s -> touched.add(s.name()));
        touched.addAll(removed);
        for (String name : touched) {
            RouteRuntime rt = runtimes.get(name);
            if (rt == null) {
                continue;
            }
            RouteState next = states.get(name);
            RouteState left = previous.containsKey(name) ? previous.get(name) : next;
            Set<EndpointAddress> kept = next != null ? next.spec().allEndpoints() : Set.of();
            for (Endpoint e : rt.endpoints()) {
                if (e.phase() == Endpoint.Phase.ACTIVE && !kept.contains(e.address())) {
                    Duration drain = left != null ? left.spec().drainTimeoutOf(e.address()) : RouteSpec.DEFAULT_DRAIN_TIMEOUT;
                    e.startDrain(now + drain.toNanos());
                    leaving.put(e, rt);
                    log.info("endpoint {} left route {}: draining ({} in flight)", e.address(), rt.name(), e.inflight());
                }
            }
            healthChecker.update(name, next == null ? List.of() : targets(table.route(name), restored));
            if (next == null && rt.endpoints().isEmpty()) {
                runtimes.remove(name, rt); // a route without endpoints leaves nothing to drain
            }
        }
        listeners.forEach(l -> l.accept(table));
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

    /**
     * Probes endpoints that have never been checked, each by its own check, in parallel, so they take traffic only
     * when up: once per distinct address and check, its answer given to every route's endpoint that has them.
     */
    private static void probeFirst(Map<Endpoint, HealthCheck> fresh) {
        if (fresh.isEmpty()) {
            return;
        }
        Map<Map.Entry<EndpointAddress, HealthCheck>, List<Endpoint>> distinct = new HashMap<>();
        fresh.forEach((e, check) -> distinct.computeIfAbsent(Map.entry(e.address(), check), k -> new ArrayList<>()).add(e));
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            distinct.forEach((probe, endpoints) -> ex.submit(() -> {
                if (Probe.passes(probe.getKey(), probe.getValue())) {
                    endpoints.forEach(e -> e.setHealth(Endpoint.Health.HEALTHY));
                }
            }));
        }
    }

    private static List<Target> targets(ActiveRoute r, Set<TargetKey> restored) {
        List<Target> targets = new ArrayList<>();
        for (EndpointAddress a : r.spec().allEndpoints()) {
            Endpoint e = r.runtime().endpoint(a);
            TargetKey key = new TargetKey(r.name(), a);
            targets.add(new Target(key, r.spec().healthOf(a), e.health(), restored.contains(key)));
        }
        return targets;
    }

    private void healthChanged(TargetKey key, Endpoint.Health health) {
        RouteRuntime rt = runtimes.get(key.route());
        if (rt != null) {
            rt.endpoint(key.address()).setHealth(health); // the data path sees it now; the file follows when the probe's news is all told
            healthToWrite.add(key.route());
        }
    }

    /** Each endpoint's known health (HEALTHY or UNHEALTHY) in route {@code s}, as the state file keeps it. */
    private Map<EndpointAddress, Endpoint.Health> healthOf(RouteState s) {
        RouteRuntime rt = runtimes.get(s.name());
        if (rt == null) {
            return Map.of();
        }
        Map<EndpointAddress, Endpoint.Health> known = new HashMap<>();
        for (EndpointAddress a : s.spec().allEndpoints()) {
            Endpoint e = rt.find(a);
            if (e != null && e.health() != Endpoint.Health.PENDING) {
                known.put(a, e.health());
            }
        }
        return Map.copyOf(known);
    }

    private void remember(String route, Map<EndpointAddress, Endpoint.Health> health) {
        if (health.isEmpty()) {
            writtenHealth.remove(route);
        } else {
            writtenHealth.put(route, health);
        }
    }

    /** Writes the health a check changed since the last write, in one line for every route it touched. */
    private synchronized void persistHealth() {
        List<String> routes = new ArrayList<>(healthToWrite);
        healthToWrite.removeAll(routes);
        persistHealth(routes);
    }

    /** Tells the state file the health of {@code routes} where it differs from what the file holds (same generation). */
    private synchronized void persistHealth(Collection<String> routes) {
        Map<String, Map<EndpointAddress, Endpoint.Health>> changed = new HashMap<>();
        for (String name : routes) {
            RouteState s = states.get(name);
            if (s == null) {
                continue;
            }
            Map<EndpointAddress, Endpoint.Health> health = healthOf(s);
            if (!health.equals(writtenHealth.getOrDefault(name, Map.of()))) {
                changed.put(name, health);
            }
        }
        if (changed.isEmpty() || stateFile.isClosed()) { // closed: a successor may own the directory now
            return;
        }
        try {
            stateFile.append(new StateFile.Change(generation, List.of(), List.of(), changed));
            changed.forEach(this::remember);
        } catch (IOException e) {
            log.warn("could not write the endpoints' health to {}: {} (a restart will check them before traffic)", stateFile.path(), e.toString());
        }
    }

    /** How many health probes run: one per distinct endpoint and check, however many routes share it. */
    public int healthProbes() {
        return healthChecker.probes();
    }

    /** Gives back the metric buckets of every route's series that saw no event for the kept window (a few checks a route). */
    public void releaseIdleMetrics() {
        runtimes.values().forEach(RouteRuntime::releaseIdleMetrics);
    }

    /** Calls {@code check} with each endpoint draining now and its route's runtime (only those: not every route's endpoints). */
    public void forEachDraining(BiConsumer<RouteRuntime, Endpoint> check) {
        leaving.forEach((e, rt) -> {
            if (e.isDraining()) {
                check.accept(rt, e);
            }
        });
    }

    /** Forgets drained endpoints after a while, and runtimes of deleted routes once nothing is left. */
    public synchronized void forgetDrained(long olderThanMillis) {
        long now = System.currentTimeMillis();
        leaving.forEach((e, rt) -> {
            if (e.phase() == Endpoint.Phase.DRAINED && now - e.drainedAtMillis() > olderThanMillis) {
                rt.forget(e.address());
                leaving.remove(e, rt);
                if (table.route(rt.name()) == null && rt.endpoints().isEmpty()) {
                    runtimes.remove(rt.name(), rt);
                }
            }
        });
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
