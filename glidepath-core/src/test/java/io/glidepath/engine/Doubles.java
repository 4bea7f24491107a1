package io.glidepath.engine;

import io.glidepath.probe.Prober;
import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.platform.PlatformException;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.spec.HttpCheck;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/** In-memory seams for engine tests: each records what the engine did and answers as scripted. */
final class Doubles {
    private Doubles() {
    }

    /** Instances without processes: "running" until stopped or killed by the test. */
    static final class MemoryPlatform implements Platform {
        final MemoryStore registry;
        final Map<String, CompletableFuture<Void>> exits = new ConcurrentHashMap<>();
        final List<String> stopped = new CopyOnWriteArrayList<>();
        /** What {@link #keepUntil} was told: each kept-warm instance and until when. */
        final Map<String, Instant> keptUntil = new ConcurrentHashMap<>();
        final AtomicInteger ports = new AtomicInteger(20_000);
        volatile String failStartWith;

        MemoryPlatform(MemoryStore registry) {
            this.registry = registry;
        }

        @Override
        public List<Instance> start(ServiceVersion v, int replicas) throws PlatformException {
            if (failStartWith != null) {
                throw new PlatformException(failStartWith, null);
            }
            List<Instance> out = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                int port = ports.incrementAndGet();
                Instance inst = new Instance(v.service() + "-" + v.version() + "-" + port, v.service(), v.version(),
                        new EndpointAddress("127.0.0.1", port), port, Instant.EPOCH, Path.of("/logs/" + port), Instant.EPOCH);
                registry.save(inst);
                exits.put(inst.id(), new CompletableFuture<>());
                out.add(inst);
            }
            return out;
        }

        @Override
        public void keepUntil(List<Instance> instances, Instant until) {
            instances.forEach(i -> keptUntil.put(i.id(), until));
        }

        /** Plays a crash. */
        void kill(Instance i) {
            exits.get(i.id()).complete(null);
        }

        @Override
        public void stop(Instance instance, Duration grace) {
            stopped.add(instance.id());
            registry.remove(instance.id());
            exits.computeIfAbsent(instance.id(), k -> new CompletableFuture<>()).complete(null);
        }

        @Override
        public List<Instance> list(String service) {
            return registry.instances().stream().filter(i -> i.service().equals(service)).filter(this::isAlive).toList();
        }

        @Override
        public boolean isAlive(Instance instance) {
            CompletableFuture<Void> f = exits.get(instance.id());
            return f != null && !f.isDone();
        }

        @Override
        public CompletableFuture<Void> exited(Instance instance) {
            return exits.computeIfAbsent(instance.id(), k -> new CompletableFuture<>());
        }
    }

    /** A routing table in memory, with every applied spec kept in order. */
    static final class MemoryRouter implements TrafficRouter {
        final Map<String, RouteState> routes = new ConcurrentHashMap<>();
        final List<RouteSpec> applied = new CopyOnWriteArrayList<>();
        final List<Instant> appliedAt = new CopyOnWriteArrayList<>();
        final Clock clock;
        long generation;
        /** In-flight requests by route; none unless a test says so. */
        volatile java.util.function.Function<String, Map<EndpointAddress, Integer>> inflight = route -> Map.of();

        MemoryRouter(Clock clock) {
            this.clock = clock;
        }

        @Override
        public synchronized RouteState apply(RouteSpec spec, OptionalLong expected) throws StaleRouteException {
            RouteState cur = routes.get(spec.name());
            if (expected.isPresent() && (cur == null ? 0 : cur.generation()) != expected.getAsLong()) {
                throw new StaleRouteException("route " + spec.name() + " moved on");
            }
            RouteState st = new RouteState(spec, ++generation, cur == null ? "preview-key" : cur.previewKey());
            routes.put(spec.name(), st);
            applied.add(spec);
            appliedAt.add(clock.now());
            return st;
        }

        @Override
        public synchronized void remove(String route) {
            routes.remove(route);
        }

        @Override
        public Optional<RouteState> current(String route) {
            return Optional.ofNullable(routes.get(route));
        }

        @Override
        public Map<EndpointAddress, Integer> inflight(String route) {
            return inflight.apply(route);
        }

        @Override
        public EndpointAddress entry() {
            return new EndpointAddress("127.0.0.1", 8080);
        }

        RouteSpec last() {
            return applied.get(applied.size() - 1);
        }

        List<Integer> weights() {
            return applied.stream().filter(s -> !s.canary().isEmpty()).map(RouteSpec::canaryWeight).toList();
        }
    }

    /** Figures as a function of the time: the test decides when the canary turns bad. */
    static final class ScriptedMetrics implements MetricSource {
        final Clock clock;
        volatile BiFunction<Instant, Boolean, TrackFigures> figures = (t, canary) -> new TrackFigures(200, 0, Map.of(99.0, 15.0));

        ScriptedMetrics(Clock clock) {
            this.clock = clock;
        }

        @Override
        public TrafficWindow window(MetricTarget target, MetricQuery query) {
            Instant now = clock.now();
            return new TrafficWindow(query.window(), figures.apply(now, false), figures.apply(now, true));
        }
    }

    /** Readiness and smoke answers per target. */
    static final class ScriptedProber implements Prober {
        volatile Predicate<EndpointAddress> ready = a -> true;
        volatile BiFunction<EndpointAddress, HttpCheck, Boolean> smoke = (a, c) -> true;
        final List<String> smokeTargets = new CopyOnWriteArrayList<>();
        final List<Map<String, String>> smokeHeaders = new CopyOnWriteArrayList<>();

        @Override
        public Result get(EndpointAddress target, String path, Duration timeout) {
            return ready.test(target) ? new Result(true, "200 in 1 ms") : new Result(false, "connection refused");
        }

        @Override
        public Result grpcHealth(EndpointAddress target, String service, Duration timeout) {
            return ready.test(target) ? new Result(true, "SERVING in 1 ms") : new Result(false, "connection refused");
        }

        @Override
        public Result check(EndpointAddress target, HttpCheck check, Map<String, String> headers) {
            smokeTargets.add(target.toString());
            smokeHeaders.add(headers);
            return smoke.apply(target, check) ? new Result(true, "200 in 1 ms") : new Result(false, "status 500, expected 200 after 1 ms");
        }
    }
}
