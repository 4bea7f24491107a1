package io.glidepath.engine;

import io.glidepath.analysis.Judge;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.analysis.Verdict;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.platform.PlatformException;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.spec.Analysis;
import io.glidepath.spec.Durations;
import io.glidepath.spec.HttpCheck;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Step;
import io.glidepath.spec.Strategy;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.time.Clock;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's deployment, from starting the new version to promotion or rollback, on its own
 * (virtual) thread. The sequence is fixed and shared by both strategies: start, readiness, smoke
 * tests (each instance directly, then through the router's preview route), then traffic (all at
 * once for blue-green, in steps with analysis for canary), promotion, a watch after promotion.
 * Rollback always moves traffic first (one router update back to the previous version), then
 * drains and stops the new instances; it never waits on the failing version. Every step is
 * journaled before its side effect.
 */
public final class ServiceDeployment {
    private static final Logger log = LoggerFactory.getLogger(ServiceDeployment.class);
    private static final Duration DRAIN_POLL = Duration.ofMillis(100);

    /** What the deployment needs from the outside, all behind seams. */
    public record Seams(Platform platform, TrafficRouter router, MetricSource metrics, Prober prober, EventSink events, Clock clock) {
        public Seams withEvents(EventSink sink) {
            return new Seams(platform, router, metrics, prober, sink, clock);
        }
    }

    /** Where events go (the journal, then whoever follows). */
    @FunctionalInterface
    public interface EventSink {
        void emit(ReleaseEvent e);
    }

    /** The version serving users before this deployment, and its instances (empty on a first deployment). */
    public record Current(Optional<String> version, List<Instance> instances) {
        public static Current none() {
            return new Current(Optional.empty(), List.of());
        }
    }

    /** How it ended, with the timings a person wants to know. */
    public record Result(Outcome outcome, Phase phase, String reason, Optional<Instant> rollbackDecided, Optional<Duration> decisionToStable,
                         List<Instance> serving) {
    }

    /**
     * How far a deployment had come when its server stopped, as its journal proves it: a restarted
     * server goes on from there with the instances it had started (adopted, never restarted).
     *
     * @param reached the last phase journaled (PENDING: none yet)
     * @param fresh the new version's live instances; empty when none had been started
     * @param switched a journaled route change had given the new version all traffic (its phase may not say so yet)
     * @param stepsDone canary steps journaled done
     * @param failuresInARow failing verdicts in a row at the end of the journal (they still count)
     * @param generation the route's generation at the restart (what a later guarded route update expects)
     * @param routeBefore the route before the deployment, as journaled (empty in journals written before it was)
     */
    public record Resume(Phase reached, List<Instance> fresh, boolean switched, int stepsDone, int failuresInARow, long generation,
                         Optional<RouteSpec> routeBefore) {
        public Resume {
            fresh = List.copyOf(fresh);
        }
    }

    /** A failure that ends the deployment in a rollback; its message is the reason users read. */
    static final class Failed extends Exception {
        Failed(String reason) {
            super(reason);
        }
    }

    private final Seams s;
    private final ServiceSpec spec;
    private final Path baseDir;
    private final Current before;
    private final Optional<Resume> resume;
    private volatile Phase phase = Phase.PENDING;
    private volatile Thread runner;
    private volatile String failure;
    private volatile boolean rollingBack;
    private volatile boolean promoteRequested;
    private List<Instance> fresh = List.of();
    private long generation;
    private String previewKey;
    /** The routes this deployment sets; known once the route before it was read. */
    private RouteSpecs routes;
    private Instant rollbackDecided;
    private Duration decisionToStable;
    /** Failing verdicts in a row, across steps: a canary failing at the end of one bake is not forgiven by the next. */
    private int failuresInARow;
    /** Open once this deployment's traffic is back on the previous version (rollback step 1). */
    private final CountDownLatch trafficBack = new CountDownLatch(1);
    private volatile RollbackListener rollbackListener = (reason, decided) -> { };

    /** Told, on the deployment's thread, as soon as its own traffic is back, before its instances drain. */
    @FunctionalInterface
    public interface RollbackListener {
        void trafficBack(String reason, Instant decided);
    }

    public ServiceDeployment(Seams seams, ServiceSpec spec, Path baseDir, Current before) {
        this(seams, spec, baseDir, before, Optional.empty());
    }

    /** A deployment a restarted server goes on with, from where its journal says it was ({@link Resume}). */
    public ServiceDeployment(Seams seams, ServiceSpec spec, Path baseDir, Current before, Optional<Resume> resume) {
        this.s = seams;
        this.spec = spec;
        this.baseDir = baseDir;
        this.before = before;
        this.resume = resume;
        resume.ifPresent(r -> {
            phase = r.reached();
            failuresInARow = r.failuresInARow();
            generation = r.generation();
        });
    }

    /**
     * A service its release had promoted and watched before the server stopped ({@code at} reached
     * DONE): it only takes part in the release's end (flipped back if the release rolls back, else
     * its previous version retires).
     */
    public static ServiceDeployment promotedBeforeRestart(Seams seams, ServiceSpec spec, Path baseDir, Current before, Resume at) {
        ServiceDeployment d = new ServiceDeployment(seams, spec, baseDir, before, Optional.of(at));
        d.fresh = at.fresh();
        try {
            d.routes = new RouteSpecs(spec, d.routeBefore());
        } catch (Failed e) {
            d.emit(new ReleaseEvent.Note(d.now(), spec.name(), e.getMessage() + ": a flip back will use " + spec.version() + "'s route settings"));
            d.routes = new RouteSpecs(spec, Optional.empty());
        }
        return d;
    }

    public String service() {
        return spec.name();
    }

    /** Who to tell when this deployment rolls back: a release flips its other services then, not after the drain. */
    public void onRollback(RollbackListener listener) {
        this.rollbackListener = listener;
    }

    /** Waits until this deployment's traffic is back on the previous version; false when {@code max} passed first. */
    public boolean awaitTrafficBack(Duration max) throws InterruptedException {
        return trafficBack.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Phase phase() {
        return phase;
    }

    /** Ends the deployment with a rollback, now, from any thread. */
    public void abort(String reason) {
        fail(reason);
    }

    /** Lets a manual pause go on to the next step (or promotion). */
    public void promote() {
        promoteRequested = true;
    }

    /** Runs the deployment to promotion (then the post-promotion watch) or rollback. Blocking. */
    public Result run() {
        runner = Thread.currentThread();
        try {
            if (phase == Phase.PENDING && before.version().filter(spec.version()::equals).isPresent() && !before.instances().isEmpty()) {
                move(Phase.UNCHANGED, spec.name() + " " + spec.version() + " already runs (" + before.instances().size()
                        + " instances): nothing to do");
                return new Result(Outcome.UNCHANGED, phase, "already running", Optional.empty(), Optional.empty(), before.instances());
            }
            routes = new RouteSpecs(spec, routeBefore());
            deploy();
            return new Result(Outcome.PROMOTED, phase, "promoted", Optional.empty(), Optional.empty(), fresh);
        } catch (Failed | InterruptedException | RuntimeException e) {
            String reason = failure != null ? failure : reasonOf(e);
            if (e instanceof RuntimeException) {
                log.error("deployment of {} {} failed unexpectedly", spec.name(), spec.version(), e);
            }
            rollback(reason);
            return new Result(Outcome.ROLLED_BACK, phase, reason, Optional.ofNullable(rollbackDecided), Optional.ofNullable(decisionToStable),
                    before.instances());
        } finally {
            runner = null;
        }
    }

    private static String reasonOf(Exception e) {
        return e instanceof InterruptedException ? "interrupted" : e.getMessage() == null ? e.toString() : e.getMessage();
    }

    // --- the way forward -----------------------------------------------------------------------------

    /**
     * The sequence, from the start or, for a resumed deployment, from the phase its journal reached:
     * a phase journaled is not done again, except the cheap proofs on adopted instances (readiness)
     * and route changes, which are idempotent (the route the journal last proves is set again).
     */
    private void deploy() throws Failed, InterruptedException {
        List<Instance> adopted = resume.map(Resume::fresh).orElse(List.of());
        if (adopted.isEmpty()) {
            if (phase == Phase.PENDING) {
                move(Phase.STARTING, "starting " + spec.run().replicas() + " instance" + (spec.run().replicas() == 1 ? "" : "s") + " of "
                        + spec.name() + " " + spec.version());
            }
            start();
        } else {
            adopt(adopted);
        }
        awaitReadiness();
        if (isBefore(Phase.READY)) {
            move(Phase.READY, "all " + fresh.size() + " new instances are ready");
        }
        if (isBefore(Phase.SMOKE_TESTED)) {
            smokeTests();
            move(Phase.SMOKE_TESTED, spec.smoke().isEmpty() ? "no smoke tests configured" : "smoke tests passed on every instance and through the router");
        }
        if (isBefore(Phase.PROMOTED)) {
            if (before.instances().isEmpty()) {
                route(routes.firstDeployment(fresh), "first deployment: " + spec.version() + " takes all traffic");
                promoted(false);
            } else if (spec.strategy() == Strategy.BLUE_GREEN) {
                route(routes.promoted(fresh, before.instances()), "switched all traffic to " + spec.version() + " in one update; "
                        + before.version().orElse("?") + " stays warm");
                promoted(true);
            } else {
                if (!resume.map(Resume::switched).orElse(false)) {
                    if (isBefore(Phase.SHIFTING)) {
                        move(Phase.SHIFTING, "canary " + spec.version() + " beside stable " + before.version().orElse("?"));
                    }
                    canarySteps();
                }
                route(routes.promoted(fresh, before.instances()), "promoted " + spec.version() + " to stable; " + before.version().orElse("?")
                        + " stays warm");
                promoted(true);
            }
        }
        watch(spec.analysis().postPromotion(), true);
        move(Phase.DONE, spec.name() + " " + spec.version() + " serves all traffic");
    }

    /** True while the deployment has not reached {@code p} (the forward phases are in order). */
    private boolean isBefore(Phase p) {
        return phase.ordinal() < p.ordinal();
    }

    private void promoted(boolean hadPrevious) {
        move(Phase.PROMOTED, spec.name() + " " + spec.version() + " is stable" + (hadPrevious ? "; watching it for "
                + Durations.format(spec.analysis().postPromotion()) : ""));
    }

    private void start() throws Failed {
        ServiceVersion sv = new ServiceVersion(spec.name(), spec.version(), spec.run(), baseDir);
        try {
            fresh = s.platform().start(sv, spec.run().replicas());
        } catch (PlatformException e) {
            throw new Failed(e.getMessage());
        }
        List<ReleaseEvent.StartedInstance> started = fresh.stream()
                .map(i -> new ReleaseEvent.StartedInstance(i.id(), i.address().toString(), i.pid(), i.log().toString())).toList();
        emit(new ReleaseEvent.InstancesStarted(now(), spec.name(), "started " + fresh.size() + " instances of " + spec.version()
                + " on " + String.join(", ", fresh.stream().map(i -> i.address().toString()).toList()), spec.version(), started));
        watchExits();
    }

    /** A restarted server goes on with the instances the stopped one started: they are proven ready again, not restarted. */
    private void adopt(List<Instance> instances) {
        fresh = instances;
        emit(new ReleaseEvent.Note(now(), spec.name(), "the server restarted at " + phase + ": going on with the " + fresh.size() + " running instance"
                + (fresh.size() == 1 ? "" : "s") + " of " + spec.version() + " (" + String.join(", ", fresh.stream().map(Instance::id).toList()) + ")"));
        watchExits();
    }

    /** The death of a new instance before the deployment is done rolls it back. */
    private void watchExits() {
        for (Instance i : fresh) {
            s.platform().exited(i).thenRun(() -> {
                if (!phase.isTerminal() && phase != Phase.DONE) {
                    fail("instance " + i.id() + " of " + spec.version() + " died (see " + i.log() + ")");
                }
            });
        }
    }

    private void awaitReadiness() throws Failed, InterruptedException {
        var r = spec.readiness();
        Instant deadline = now().plus(r.deadline());
        Instant began = now();
        Map<String, Integer> passes = new HashMap<>();
        Map<String, String> last = new HashMap<>();
        List<Instance> waiting = new ArrayList<>(fresh);
        while (!waiting.isEmpty()) {
            checkFailure();
            for (var it = waiting.iterator(); it.hasNext(); ) {
                Instance i = it.next();
                Prober.Result res = s.prober().get(i.address(), r.path(), r.timeout());
                last.put(i.id(), res.detail());
                int n = res.passed() ? passes.merge(i.id(), 1, Integer::sum) : 0;
                if (!res.passed()) {
                    passes.put(i.id(), 0);
                }
                if (n >= r.healthyAfter()) {
                    it.remove();
                    long ms = s.clock().since(began).toMillis();
                    emit(new ReleaseEvent.InstanceReady(now(), spec.name(), "instance " + i.id() + " is ready after " + ms + " ms", i.id(), ms));
                }
            }
            if (waiting.isEmpty()) {
                break;
            }
            if (!now().isBefore(deadline)) {
                Instance i = waiting.get(0);
                throw new Failed("instance " + i.id() + " was not ready within " + Durations.format(r.deadline()) + " (GET " + r.path()
                        + ": " + last.getOrDefault(i.id(), "never answered") + ")");
            }
            s.clock().sleep(r.interval());
        }
    }

    private void smokeTests() throws Failed, InterruptedException {
        for (HttpCheck c : spec.smoke()) {
            for (Instance i : fresh) {
                checkFailure();
                smoke(c, i.address(), "instance " + i.id(), Map.of());
            }
        }
        // the new version joins the route on the preview track: reachable only with the preview key
        RouteState st = route(routes.preview(before.instances(), fresh), "new instances on the preview route for smoke tests");
        previewKey = st.previewKey();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(RouteSpec.PREVIEW_KEY_HEADER, previewKey);
        hostFor(st.spec().match()).ifPresent(h -> headers.put("Host", h));
        for (HttpCheck c : spec.smoke()) {
            checkFailure();
            smoke(c, s.router().entry(), "the router (preview)", headers);
        }
    }

    private void smoke(HttpCheck c, EndpointAddress target, String where, Map<String, String> headers) throws Failed {
        Prober.Result r = s.prober().check(target, c, headers);
        String msg = "smoke test '" + c.name() + "' " + (r.passed() ? "passed" : "failed") + " on " + where + ": " + c.method() + " " + c.path()
                + " -> " + r.detail();
        emit(new ReleaseEvent.CheckResult(now(), spec.name(), msg, c.name(), where, r.passed()));
        if (!r.passed()) {
            throw new Failed(msg);
        }
    }

    /** The Host a smoke request through the router names: the route's (the stable version's match while it serves). */
    private static Optional<String> hostFor(RouteMatch match) {
        String host = match.host();
        if (host == null) {
            return Optional.empty();
        }
        return Optional.of(host.startsWith("*.") ? "glidepath-smoke" + host.substring(1) : host);
    }

    private void canarySteps() throws Failed, InterruptedException {
        List<Step> steps = spec.steps();
        int first = resume.map(Resume::stepsDone).orElse(0);
        int weight = 0;
        for (Step done : steps.subList(0, Math.min(first, steps.size()))) {
            if (done instanceof Step.Weight w) {
                weight = w.basisPoints();
            }
        }
        // resumed: the route the journal proves, set again (lower, never higher, than one set and not journaled)
        route(routes.canary(before.instances(), fresh, weight), first == 0 ? "canary " + spec.version() + " in the route at " + percent(weight)
                : "going on after step " + first + " of " + steps.size() + ": canary " + spec.version() + " at " + percent(weight));
        for (int n = first; n < steps.size(); n++) {
            Step step = steps.get(n);
            checkFailure();
            switch (step) {
                case Step.Weight w -> {
                    if (failuresInARow > 0) {
                        // never raise the weight on a failing interval: judge once more at the current one
                        watch(spec.analysis().interval(), false);
                    }
                    weight = w.basisPoints();
                    route(routes.canary(before.instances(), fresh, weight), "canary " + spec.version() + " at " + percent(weight));
                }
                case Step.Bake b -> watch(b.duration(), false);
                case Step.ManualPause p -> {
                    emit(new ReleaseEvent.Note(now(), spec.name(), "paused at " + percent(weight) + ": waiting for glidepath promote"));
                    promoteRequested = false;
                    while (!promoteRequested) {
                        watch(spec.analysis().interval(), false);
                    }
                }
            }
            emit(new ReleaseEvent.StepDone(now(), spec.name(), stepDone(step, n + 1, steps.size(), weight), n + 1, steps.size()));
        }
    }

    private String stepDone(Step step, int n, int of, int weight) {
        String what = switch (step) {
            case Step.Weight w -> "canary at " + percent(weight);
            case Step.Bake b -> "baked " + Durations.format(b.duration()) + " at " + percent(weight);
            case Step.ManualPause p -> "promote received at " + percent(weight) + ": going on";
        };
        return "step " + n + " of " + of + " done: " + what;
    }

    /**
     * Analysis for {@code duration}, one verdict per interval; {@code failAfter} failures in a row
     * roll back. After promotion the new version is judged alone.
     */
    private void watch(Duration duration, boolean afterPromotion) throws Failed, InterruptedException {
        Analysis a = spec.analysis();
        Set<Double> percentiles = Judge.percentiles(a);
        percentiles = percentiles.isEmpty() ? Set.of(99.0) : percentiles;
        Instant end = now().plus(duration);
        while (now().isBefore(end)) {
            Duration step = a.interval().compareTo(Duration.between(now(), end)) < 0 ? a.interval() : Duration.between(now(), end);
            s.clock().sleep(step);
            checkFailure();
            TrafficWindow w;
            try {
                w = s.metrics().window(spec.name(), a.interval(), percentiles);
            } catch (MetricsUnavailableException e) {
                emit(new ReleaseEvent.Note(now(), spec.name(), "no figures this interval (" + e.getMessage() + "): inconclusive"));
                continue;
            }
            Verdict v = afterPromotion ? Judge.promoted(w, a) : Judge.canary(w, a);
            emit(verdictEvent(v));
            if (v.failed()) {
                failuresInARow++;
                if (failuresInARow >= a.failAfter()) {
                    throw new Failed("analysis failed " + failuresInARow + " interval" + (failuresInARow == 1 ? "" : "s") + " in a row: "
                            + String.join("; ", v.failures()));
                }
            } else if (v.outcome() == Verdict.Outcome.PASS) {
                failuresInARow = 0;
            }
        }
    }

    private ReleaseEvent.VerdictGiven verdictEvent(Verdict v) {
        TrafficWindow w = v.figures();
        return new ReleaseEvent.VerdictGiven(now(), spec.name(), v.summary(), v.outcome().name(), w.stable().requests(), w.stable().errorRate(),
                w.canary().requests(), w.canary().errorRate(), w.canary().latencyMillis().get(99.0), w.stable().latencyMillis().get(99.0));
    }

    // --- the way back --------------------------------------------------------------------------------

    private void rollback(String reason) {
        rollingBack = true;
        Thread.interrupted(); // an abort's interrupt has done its work
        rollbackDecided = now();
        emit(new ReleaseEvent.RollbackDecided(rollbackDecided, spec.name(), "rolling back " + spec.name() + " " + spec.version() + ": " + reason, reason));
        move(Phase.ROLLING_BACK, "rolling back: " + reason);
        // 1. traffic first: one router update back to the previous version
        if (routes == null) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "the route was never changed (it could not be read): nothing to put back"));
        } else try {
            if (before.instances().isEmpty()) {
                s.router().remove(spec.name());
            } else {
                RouteState st = s.router().apply(routes.restored(before.instances()), OptionalLong.empty());
                generation = st.generation();
            }
            decisionToStable = s.clock().since(rollbackDecided);
            emit(new ReleaseEvent.TrafficRestored(now(), spec.name(), before.instances().isEmpty()
                    ? "route removed: " + spec.name() + " had no previous version (" + decisionToStable.toMillis() + " ms after the decision)"
                    : "all traffic back on " + before.version().orElse("?") + " " + decisionToStable.toMillis() + " ms after the decision",
                    decisionToStable.toMillis()));
            emit(new ReleaseEvent.TrafficChanged(now(), spec.name(), "route: stable " + before.version().orElse("(none)"),
                    before.version().orElse(null), null, 0, generation));
        } catch (TrafficException | StaleRouteException e) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "could not restore the route: " + e.getMessage()
                    + "; the new instances are stopped anyway"));
        }
        trafficBack.countDown();
        rollbackListener.trafficBack(reason, rollbackDecided);
        // 2. then drain and stop the new instances, never waiting on them beyond the drain deadline
        awaitDrained(fresh);
        stopAll(fresh, "stopped the new instances of " + spec.version());
        move(Phase.ROLLED_BACK, spec.name() + " rolled back to " + before.version().orElse("nothing") + ": " + reason);
    }

    /**
     * The release failed after this service was promoted: one route update puts its previous
     * version back (traffic first). Returns the time the route took. {@link #retireNew} follows.
     */
    public Duration restoreTraffic(String reason) {
        rollingBack = true;
        if (!phase.canMoveTo(Phase.ROLLING_BACK)) {
            trafficBack.countDown();
            return Duration.ZERO;
        }
        move(Phase.ROLLING_BACK, "flipping back to " + before.version().orElse("nothing") + ": " + reason);
        Instant t0 = now();
        try {
            if (before.instances().isEmpty()) {
                s.router().remove(spec.name());
            } else {
                generation = s.router().apply(routes.restored(before.instances()), OptionalLong.empty()).generation();
            }
            emit(new ReleaseEvent.TrafficChanged(now(), spec.name(), before.version().map(v -> "all traffic back on " + v)
                    .orElse("route removed: " + spec.name() + " had no previous version"), before.version().orElse(null), null, 0, generation));
        } catch (TrafficException | StaleRouteException e) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "could not restore the route: " + e.getMessage()));
        }
        trafficBack.countDown();
        return s.clock().since(t0);
    }

    /** After {@link #restoreTraffic}: drain and stop the new instances; the service is rolled back. */
    public void retireNew(String reason) {
        awaitDrained(fresh);
        stopAll(fresh, "stopped the new instances of " + spec.version());
        if (phase.canMoveTo(Phase.ROLLED_BACK)) {
            move(Phase.ROLLED_BACK, spec.name() + " rolled back to " + before.version().orElse("nothing") + ": " + reason);
        }
    }

    public boolean isPromoted() {
        return phase == Phase.DONE;
    }

    public String version() {
        return spec.version();
    }

    public Optional<String> previousVersion() {
        return before.version();
    }

    /** After the keep-warm time: take the previous version out of the route, drain it, stop it. */
    public void retirePrevious() throws InterruptedException {
        if (before.instances().isEmpty()) {
            return;
        }
        s.clock().sleep(spec.keepPrevious());
        try {
            s.router().apply(routes.promoted(fresh, List.of()), OptionalLong.of(generation));
        } catch (StaleRouteException e) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "the route changed since promotion; retiring "
                    + before.version().orElse("?") + " without touching it"));
        } catch (TrafficException e) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "could not take the previous version out of the route: " + e.getMessage()));
        }
        awaitDrained(before.instances());
        stopAll(before.instances(), "retired " + before.version().orElse("?") + " after keeping it warm for " + Durations.format(spec.keepPrevious()));
    }

    private void awaitDrained(List<Instance> leaving) {
        if (leaving.isEmpty()) {
            return;
        }
        Set<EndpointAddress> addresses = Set.copyOf(leaving.stream().map(Instance::address).toList());
        Instant deadline = now().plus(spec.route().drainTimeout()).plusSeconds(1);
        try {
            while (now().isBefore(deadline)) {
                Map<EndpointAddress, Integer> inflight = s.router().inflight(spec.name());
                int left = addresses.stream().mapToInt(a -> inflight.getOrDefault(a, 0)).sum();
                if (left == 0) {
                    return;
                }
                s.clock().sleep(DRAIN_POLL);
            }
        } catch (TrafficException e) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "could not read in-flight requests (" + e.getMessage() + "); stopping after the drain timeout"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stopAll(List<Instance> instances, String message) {
        if (instances.isEmpty()) {
            return;
        }
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            instances.forEach(i -> ex.submit(() -> s.platform().stop(i, spec.run().stopGrace())));
        }
        emit(new ReleaseEvent.InstancesStopped(now(), spec.name(), message, instances.get(0).version(), instances.stream().map(Instance::id).toList()));
    }

    // --- plumbing ------------------------------------------------------------------------------------

    private RouteState route(RouteSpec next, String message) throws Failed {
        RouteState st;
        try {
            st = s.router().apply(next, OptionalLong.empty());
        } catch (TrafficException | StaleRouteException e) {
            throw new Failed("the router refused a route change: " + e.getMessage());
        }
        generation = st.generation();
        emit(new ReleaseEvent.TrafficChanged(now(), spec.name(), message, versionOn(next.stable()), versionOn(next.canary()), next.canaryWeight(),
                st.generation()));
        return st;
    }

    /** The version these endpoints run (null for none): the new one's or the previous one's. */
    private String versionOn(List<EndpointAddress> endpoints) {
        if (endpoints.isEmpty()) {
            return null;
        }
        return fresh.stream().anyMatch(i -> i.address().equals(endpoints.get(0))) ? spec.version() : before.version().orElse(null);
    }

    /**
     * The route before this deployment: journaled when first read, so that a rollback after a
     * restart puts back the same route; a resumed deployment takes it from its journal.
     */
    private Optional<RouteSpec> routeBefore() throws Failed {
        Optional<RouteSpec> journaled = resume.flatMap(Resume::routeBefore);
        if (journaled.isPresent()) {
            return journaled;
        }
        Optional<RouteState> current;
        try {
            current = s.router().current(spec.name());
        } catch (TrafficException e) {
            throw new Failed("could not read the route of " + spec.name() + ": " + e.getMessage());
        }
        if (current.isPresent() && resume.isEmpty()) {
            RouteSpec r = current.get().spec();
            emit(new ReleaseEvent.RouteBefore(now(), spec.name(), "the route before: " + describe(r), RouteJson.writeSpec(r)));
        }
        return current.map(RouteState::spec);
    }

    private static String describe(RouteSpec r) {
        return "host " + (r.match().host() == null ? "(any)" : r.match().host()) + ", path " + r.match().pathPrefix() + ", sticky "
                + r.sticky().mode().name().toLowerCase(java.util.Locale.ROOT) + ", shield " + (r.shield() ? "on" : "off") + ", "
                + r.allEndpoints().size() + " endpoint" + (r.allEndpoints().size() == 1 ? "" : "s");
    }

    private void move(Phase next, String message) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("deployment of " + spec.name() + " cannot move from " + phase + " to " + next);
        }
        emit(new ReleaseEvent.PhaseChanged(now(), spec.name(), message, next, spec.version()));
        phase = next;
    }

    private void fail(String reason) {
        if (failure == null && !rollingBack && !phase.isTerminal()) {
            failure = reason;
            Thread r = runner;
            if (r != null) {
                r.interrupt();
            }
        }
    }

    private void checkFailure() throws Failed {
        if (failure != null) {
            throw new Failed(failure);
        }
    }

    private void emit(ReleaseEvent e) {
        s.events().emit(e);
    }

    private Instant now() {
        return s.clock().now();
    }

    private static String percent(int basisPoints) {
        return (basisPoints % 100 == 0 ? String.valueOf(basisPoints / 100) : String.valueOf(basisPoints / 100.0)) + "%";
    }
}
