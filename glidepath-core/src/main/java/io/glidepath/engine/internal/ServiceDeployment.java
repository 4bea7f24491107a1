package io.glidepath.engine.internal;

import io.glidepath.engine.EngineSeams;
import io.glidepath.engine.ResumePoint;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.platform.Instance;
import io.glidepath.platform.PlatformException;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.spec.Durations;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.time.Wakeup;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's deployment, on its own (virtual) thread: a fixed sequence shared by every strategy.
 * Start the new version, prove it ({@link Proofs}), move traffic ({@link TrafficPlan}), watch it
 * after promotion ({@link AnalysisWatch}). Rollback always moves traffic first ({@link TrafficRollback}),
 * then drains and stops the new instances ({@link Retirement}); it never waits on the failing
 * version. Every step is journaled before its side effect. A failure from another thread (an
 * abort, a dying instance) wakes the deployment's waits; it never interrupts it, so no journal
 * write or router call is ever cut in the middle.
 *
 * <p>Why one class of this size: the way forward and the way back share the deployment's phase,
 * failure, instances and route generation; what does not need them is apart ({@link Proofs},
 * {@link TrafficPlan}, {@link AnalysisWatch}, {@link RouteSpecs}, {@link TrafficRollback},
 * {@link Retirement}).
 */
public final class ServiceDeployment {
    private static final Logger log = LoggerFactory.getLogger(ServiceDeployment.class);

    /** How it ended: the cause is set when it rolled back. */
    public record Result(Outcome outcome, String reason, RollbackCause cause) {
    }

    /** Told, on the deployment's thread, as soon as its own traffic is back, before its instances drain. */
    @FunctionalInterface
    public interface RollbackListener {
        void trafficBack(Failed failure, Instant decided);
    }

    private final EngineSeams s;
    private final ServiceSpec spec;
    private final String releaseId;
    private final Path baseDir;
    private final Previous before;
    private final Optional<ResumePoint> resume;
    private final EventSink events;
    private final Wakeup wakeup = new Wakeup();
    private final AtomicReference<Failed> failure = new AtomicReference<>();
    private final Proofs proofs;
    private final AnalysisWatch analysis;
    private final TrafficRollback trafficRollback;
    private final Retirement retirement;
    /** Open once this deployment's traffic is back on the previous version (rollback step 1). */
    private final CountDownLatch trafficBack = new CountDownLatch(1);
    private volatile Phase phase = Phase.PENDING;
    private volatile boolean rollingBack;
    private volatile boolean promoteRequested;
    /** Who let the last manual pause go on (glidepath promote), for the journal. */
    private volatile String promotedBy;
    private volatile RollbackListener rollbackListener = (f, decided) -> { };
    private List<Instance> fresh = List.of();
    private long generation;
    /** The routes this deployment sets; known once the route before it was read. */
    private RouteSpecs routes;

    public ServiceDeployment(EngineSeams seams, ServiceSpec spec, String releaseId, Path baseDir, Previous before, Optional<ResumePoint> resume, EventSink events) {
        this.s = seams;
        this.spec = spec;
        this.releaseId = releaseId;
        this.baseDir = baseDir;
        this.before = before;
        this.resume = resume;
        this.events = events;
        this.proofs = new Proofs(spec, seams.platform(), seams.prober(), seams.router().entry(), seams.clock(), events, this::failIfFailed, wakeup);
        this.analysis = new AnalysisWatch(spec.name(), before.version(), spec.version(), spec.analysis(), seams.judges().forService(spec, resume.flatMap(ResumePoint::judgeState)), seams.metrics().forService(spec), seams.clock(), events,
                this::failIfFailed, wakeup, resume.map(ResumePoint::failuresInARow).orElse(0));
        this.trafficRollback = new TrafficRollback(seams.router(), seams.clock());
        this.retirement = new Retirement(seams.router(), seams.platform(), seams.clock());
        resume.ifPresent(r -> {
            phase = r.reached();
            generation = r.generation();
        });
    }

    /**
     * A service its release had promoted and watched before the server stopped ({@code at} reached
     * DONE): it only takes part in the release's end (flipped back if the release rolls back, else
     * its previous version retires).
     */
    public static ServiceDeployment promotedBeforeRestart(EngineSeams seams, ServiceSpec spec, String releaseId, Path baseDir, Previous before, ResumePoint at,
                                                          EventSink events) {
        ServiceDeployment d = new ServiceDeployment(seams, spec, releaseId, baseDir, before, Optional.of(at), events);
        d.fresh = at.fresh();
        try {
            d.routes = new RouteSpecs(spec, d.routeBefore());
        } catch (Failed e) {
            d.emit(new ReleaseEvent.Note(d.now(), spec.name(), e.reason() + ": a flip back will use " + spec.version() + "'s route settings"));
            d.routes = new RouteSpecs(spec, Optional.empty());
        }
        return d;
    }

    public String service() {
        return spec.name();
    }

    public String version() {
        return spec.version();
    }

    public Optional<String> previousVersion() {
        return before.version();
    }

    public Phase phase() {
        return phase;
    }

    public boolean isPromoted() {
        return phase == Phase.DONE;
    }

    /** Who to tell when this deployment rolls back: a release flips its other services then, not after the drain. */
    public void onRollback(RollbackListener listener) {
        this.rollbackListener = listener;
    }

    /** Waits until this deployment's traffic is back on the previous version; false when {@code max} passed first. */
    public boolean awaitTrafficBack(Duration max) throws InterruptedException {
        return trafficBack.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Ends the deployment with a rollback, from any thread: its next step, or the wait it is in, sees it. */
    public void abort(RollbackCause cause, String reason) {
        fail(new Failed(cause, reason));
    }

    /** Lets a manual pause go on to the next step (or promotion). */
    public void promote(String who) {
        promotedBy = who;
        promoteRequested = true;
    }

    /** Runs the deployment to promotion (then the post-promotion watch) or rollback. Blocking. */
    public Result run() {
        try {
            if (phase == Phase.PENDING && before.version().filter(spec.version()::equals).isPresent() && !before.instances().isEmpty()) {
                move(Phase.UNCHANGED, spec.name() + " " + spec.version() + " already runs (" + before.instances().size()
                        + " instances): nothing to do");
                return new Result(Outcome.UNCHANGED, "already running", null);
            }
            routes = new RouteSpecs(spec, routeBefore());
            deploy();
            return new Result(Outcome.PROMOTED, "promoted", null);
        } catch (Failed e) {
            return rollback(Optional.ofNullable(failure.get()).orElse(e));
        } catch (InterruptedException e) {
            return rollback(Optional.ofNullable(failure.get()).orElse(new Failed(RollbackCause.ABORTED, "interrupted: the engine is closing")));
        } catch (RuntimeException e) {
            log.error("deployment of {} {} failed unexpectedly", spec.name(), spec.version(), e);
            return rollback(Optional.ofNullable(failure.get()).orElse(new Failed(RollbackCause.INTERNAL, e.getMessage() == null ? e.toString()
                    : e.getMessage())));
        }
    }

    // --- the way forward -----------------------------------------------------------------------------

    /**
     * The sequence, from the start or, for a resumed deployment, from the phase its journal reached:
     * a phase journaled is not done again, except the cheap proofs on adopted instances (readiness)
     * and route changes, which are idempotent (the route the journal last proves is set again).
     */
    private void deploy() throws Failed, InterruptedException {
        List<Instance> adopted = resume.map(ResumePoint::fresh).orElse(List.of());
        if (adopted.isEmpty()) {
            if (phase == Phase.PENDING) {
                move(Phase.STARTING, "starting " + spec.run().replicas() + " instance" + (spec.run().replicas() == 1 ? "" : "s") + " of "
                        + spec.name() + " " + spec.version());
            }
            start();
        } else {
            adopt(adopted);
        }
        proofs.awaitReadiness(fresh);
        if (isBefore(Phase.READY)) {
            move(Phase.READY, "all " + fresh.size() + " new instances are ready");
        }
        if (isBefore(Phase.SMOKE_TESTED)) {
            proofs.smokeEachInstance(fresh);
            // the new version joins the route on the preview track: reachable only with the preview key
            proofs.smokeThroughRouter(route(routes.preview(before.instances(), fresh), "new instances on the preview route for smoke tests"));
            move(Phase.SMOKE_TESTED, spec.smoke().isEmpty() ? "no smoke tests configured" : "smoke tests passed on every instance and through the router");
        }
        if (isBefore(Phase.PROMOTED)) {
            TrafficPlan.of(spec, before).shift(this);
            move(Phase.PROMOTED, spec.name() + " " + spec.version() + " is stable" + (before.instances().isEmpty() ? ""
                    : "; watching it for " + Durations.format(spec.analysis().postPromotion())));
        }
        analysis.watch(spec.analysis().postPromotion(), true);
        move(Phase.DONE, spec.name() + " " + spec.version() + " serves all traffic");
    }

    private void start() throws Failed {
        try {
            fresh = s.platform().start(new ServiceVersion(spec.name(), spec.version(), spec.run(), baseDir, Optional.of(releaseId), Optional.of(spec.readiness())), spec.run().replicas());
        } catch (PlatformException e) {
            throw new Failed(RollbackCause.PLATFORM, e.getMessage());
        }
        List<ReleaseEvent.StartedInstance> started = fresh.stream()
                .map(i -> new ReleaseEvent.StartedInstance(i.id(), i.address().toString(), i.pid(), s.platform().whereToLook(i))).toList();
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
                    fail(new Failed(RollbackCause.INSTANCE_DIED, "instance " + i.id() + " of " + spec.version() + " died (see " + s.platform().whereToLook(i) + ")"));
                }
            });
        }
    }

    /**
     * The route before this deployment: journaled when first read, so that a rollback after a
     * restart puts back the same route; a resumed deployment takes it from its journal.
     */
    private Optional<RouteSpec> routeBefore() throws Failed {
        Optional<RouteSpec> journaled = resume.flatMap(ResumePoint::routeBefore);
        if (journaled.isPresent()) {
            return journaled;
        }
        Optional<RouteState> current;
        try {
            current = s.router().current(spec.name());
        } catch (TrafficException e) {
            throw new Failed(RollbackCause.ROUTER, "could not read the route of " + spec.name() + ": " + e.getMessage());
        }
        if (current.isPresent() && resume.isEmpty()) {
            RouteSpec r = current.get().spec();
            emit(new ReleaseEvent.RouteBefore(now(), spec.name(), "the route before: " + describe(r), RouteJson.writeSpec(r)));
        }
        return current.map(RouteState::spec);
    }

    private static String describe(RouteSpec r) {
        return "host " + (r.match().host() == null ? "(any)" : r.match().host()) + ", path " + r.match().pathPrefix() + ", sticky "
                + r.sticky().mode().name().toLowerCase(Locale.ROOT) + ", shield " + (r.shield() ? "on" : "off") + ", "
                + r.allEndpoints().size() + " endpoint" + (r.allEndpoints().size() == 1 ? "" : "s");
    }

    // --- what the traffic plans use --------------------------------------------------------------

    ServiceSpec spec() {
        return spec;
    }

    Previous before() {
        return before;
    }

    List<Instance> fresh() {
        return fresh;
    }

    RouteSpecs routes() {
        return routes;
    }

    Optional<ResumePoint> resumePoint() {
        return resume;
    }

    int failuresInARow() {
        return analysis.failuresInARow();
    }

    /** True while the deployment has not reached {@code p} (the forward phases are in order). */
    boolean isBefore(Phase p) {
        return phase.ordinal() < p.ordinal();
    }

    /** From now on the judge reads the copies mirrored to the canary ({@code on}), or the canary's own figures. */
    void mirroring(boolean on) {
        analysis.shadow(on);
    }

    /** The canary against stable for {@code duration}, a verdict every interval. */
    void watch(Duration duration) throws Failed, InterruptedException {
        analysis.watch(duration, false);
    }

    /** At the end of the canary's steps: the judge concludes (a canary too little traffic judged promotes or rolls back as the file says). */
    void concludeAnalysis() throws Failed {
        analysis.conclude();
    }

    /** A manual pause: the canary is still judged every interval until {@code glidepath promote}; returns who promoted. */
    String awaitPromotion() throws Failed, InterruptedException {
        promoteRequested = false;
        while (!promoteRequested) {
            analysis.watch(spec.analysis().interval(), false);
        }
        return promotedBy;
    }

    RouteState route(RouteSpec next, String message) throws Failed {
        RouteState st;
        try {
            st = s.router().apply(next, OptionalLong.empty());
        } catch (TrafficException | StaleRouteException e) {
            throw new Failed(RollbackCause.ROUTER, "the router refused a route change: " + e.getMessage());
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

    void move(Phase next, String message) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("deployment of " + spec.name() + " cannot move from " + phase + " to " + next);
        }
        emit(new ReleaseEvent.PhaseChanged(now(), spec.name(), message, next, spec.version()));
        phase = next;
    }

    void emit(ReleaseEvent e) {
        events.emit(e);
    }

    Instant now() {
        return s.clock().now();
    }

    void failIfFailed() throws Failed {
        Failed f = failure.get();
        if (f != null) {
            throw f;
        }
    }

    private void fail(Failed f) {
        if (!rollingBack && !phase.isTerminal() && failure.compareAndSet(null, f)) {
            wakeup.wake();
        }
    }

    // --- the way back --------------------------------------------------------------------------------

    /** Its own rollback: decision journaled, traffic back in one update, the release told, then drain and stop the new instances. */
    private Result rollback(Failed f) {
        rollingBack = true;
        Thread.interrupted(); // only a closing engine interrupts; the rollback itself must still reach the router
        Instant decided = now();
        emit(new ReleaseEvent.RollbackDecided(decided, spec.name(), "rolling back " + spec.name() + " " + spec.version() + ": " + f.reason(),
                f.reason(), f.rollbackCause()));
        move(Phase.ROLLING_BACK, "rolling back: " + f.reason());
        if (routes == null) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "the route was never changed (it could not be read): nothing to put back"));
        } else {
            putTrafficBack(decided);
        }
        trafficBack.countDown();
        rollbackListener.trafficBack(f, decided);
        retireNew(f.reason());
        return new Result(Outcome.ROLLED_BACK, f.reason(), f.rollbackCause());
    }

    /**
     * The release rolls back after this service was promoted: one route update puts its previous
     * version back (traffic first), timed from the release's {@code decided}. {@link #retireNew} follows.
     */
    public void restoreTraffic(String reason, Instant decided) {
        rollingBack = true;
        if (!phase.canMoveTo(Phase.ROLLING_BACK) || routes == null) {
            trafficBack.countDown();
            return;
        }
        move(Phase.ROLLING_BACK, "flipping back to " + before.version().orElse("nothing") + ": " + reason);
        putTrafficBack(decided);
        trafficBack.countDown();
    }

    private void putTrafficBack(Instant decided) {
        Optional<RouteSpec> back = before.instances().isEmpty() ? Optional.empty() : Optional.of(routes.restored(before.instances()));
        trafficRollback.restore(spec.name(), before.version(), back, decided, events).ifPresent(g -> generation = g);
    }

    /** After the traffic is back: drain and stop the new instances; the service is rolled back. */
    public void retireNew(String reason) {
        retirement.drainThenStop(spec.name(), fresh, spec.route().drainTimeout(), spec.run().stopGrace(),
                "stopped the new instances of " + spec.version(), events);
        if (phase.canMoveTo(Phase.ROLLED_BACK)) {
            move(Phase.ROLLED_BACK, spec.name() + " rolled back to " + before.version().orElse("nothing") + ": " + reason);
        }
    }

    /** After the keep-warm time: take the previous version out of the route (unless the route moved on), drain it, stop it. */
    public void retirePrevious() throws InterruptedException {
        if (before.instances().isEmpty()) {
            return;
        }
        try {
            s.platform().keepUntil(before.instances(), now().plus(spec.keepPrevious()));
        } catch (PlatformException e) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "could not mark " + before.name() + " as kept warm until its retirement: " + e.getMessage()));
        }
        s.clock().sleep(spec.keepPrevious());
        try {
            s.router().apply(routes.promoted(fresh, List.of()), OptionalLong.of(generation));
        } catch (StaleRouteException e) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "the route changed since promotion; retiring " + before.name() + " without touching it"));
        } catch (TrafficException e) {
            emit(new ReleaseEvent.Note(now(), spec.name(), "could not take the previous version out of the route: " + e.getMessage()));
        }
        retirement.drainThenStop(spec.name(), before.instances(), routes.previousDrainTimeout(before.instances()), spec.run().stopGrace(),
                "retired " + before.name() + " after keeping it warm for " + Durations.format(spec.keepPrevious()), events);
    }
}
