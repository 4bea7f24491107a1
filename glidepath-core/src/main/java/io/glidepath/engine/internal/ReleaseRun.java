package io.glidepath.engine.internal;

import io.glidepath.engine.EngineSeams;
import io.glidepath.engine.ResumePoint;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.ServiceStatus;
import io.glidepath.journal.WaveState;
import io.glidepath.policy.WindowGuard;
import io.glidepath.probe.Prober;
import io.glidepath.spec.DatabaseSpec;
import io.glidepath.spec.Durations;
import io.glidepath.spec.FleetMember;
import io.glidepath.spec.FleetSpec;
import io.glidepath.spec.HttpCheck;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Wave;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One release's run, on its own virtual thread: its services in waves (a wave's services in
 * parallel, at most {@code maxParallel}, started in the file's order; the next wave once every service of this one is promoted and
 * the verify checks passed through the router), then the end. A release is atomic: when a service
 * fails, a verify check fails or someone aborts, the services still deploying roll back and those
 * already promoted flip back to their previous version, last wave first, traffic first for all of
 * them ({@link #flipBack}, once per release); only then do new instances drain and stop. The
 * previous versions stay warm for {@code keepPrevious} counted from the end of the release.
 *
 * <p>A release with databases passes the migration gate first (refused: it ends CANCELLED, nothing
 * run), expands each database before the first wave using it and proves the previous versions on the
 * expanded schema ({@link DatabaseSteps}); after a promotion each contract runs once the previous
 * versions are retired and gone from the database.
 */
public final class ReleaseRun {
    private static final Logger log = LoggerFactory.getLogger(ReleaseRun.class);
    /** How long the flip waits for a failing service's own traffic to be back before flipping the rest anyway. */
    private static final Duration TRAFFIC_BACK_WAIT = Duration.ofSeconds(2);
    /** How often a ring's gate or bake looks for a promote or an abort. */
    private static final Duration GATE_POLL = Duration.ofMillis(200);

    private final EngineSeams seams;
    private final Store store;
    private final ReleaseRecord record;
    private final ReleaseSpec spec;
    private final Path baseDir;
    private final EventSink events;
    private final Function<String, Previous> previous;
    private final Map<String, ResumePoint> resumeAt;
    private final DatabaseSteps databases;
    private final PolicySteps policy;
    private final Map<String, ServiceDeployment> deployments = new ConcurrentHashMap<>();
    private final Map<String, Integer> waveOf = new LinkedHashMap<>();
    private final Map<String, String> versionOf = new LinkedHashMap<>();
    /** Services this release promoted, in promotion order; guarded by this. */
    private final List<ServiceDeployment> promoted = new ArrayList<>();
    /** Set once the release-wide flip back has begun (guarded by this): a service promoted after it flips back on its own. */
    private String flipReason;
    private Instant flipDecided;
    private volatile Failed aborted;
    /** Each fleet's failed customers (deployment names), in order; guarded by this. */
    private final Map<String, List<String>> fleetFailures = new LinkedHashMap<>();
    /** Customers whose failure a restarted server found journaled within the budget: not deployed again. */
    private final Set<String> failedBefore = new HashSet<>();
    /** Who opened a ring's manual gate (glidepath promote), for the journal. */
    private volatile String gateOpenedBy;
    /** Stops of what the rollbacks of {@link #failedBefore} left running, done when the release runs. */
    private final List<Runnable> leftovers = new ArrayList<>();
    /** Set when a fleet's budget was exceeded with {@code then: keep}: the release stops and nothing flips back. */
    private volatile Failed stopped;
    /** A {@code glidepath promote} for a ring waiting at its manual gate. */
    private volatile boolean gateOpened;

    /**
     * @param previous the version serving a service now and its live instances
     * @param resumeAt for a release a restarted server goes on with: where each service it had begun goes on from
     */
    public ReleaseRun(EngineSeams seams, Store store, ReleaseRecord record, ReleaseSpec spec, Path baseDir, EventSink events,
                      Function<String, Previous> previous, Map<String, ResumePoint> resumeAt, WindowGuard windows) {
        this.seams = seams;
        this.store = store;
        this.record = record;
        this.spec = spec;
        this.baseDir = baseDir;
        this.events = events;
        this.previous = previous;
        this.resumeAt = Map.copyOf(resumeAt);
        this.databases = new DatabaseSteps(seams, store, spec, baseDir, events);
        this.policy = new PolicySteps(seams, store, record, spec, baseDir, events, windows);
        List<List<ServiceSpec>> waves = spec.waves();
        for (int w = 0; w < waves.size(); w++) {
            for (ServiceSpec s : waves.get(w)) {
                waveOf.put(s.name(), w + 1);
                versionOf.put(s.name(), s.version());
            }
        }
        for (ServiceSpec s : spec.services()) {
            ResumePoint at = resumeAt.get(s.name());
            if (at != null && at.reached() == Phase.DONE) {
                ServiceDeployment d = ServiceDeployment.promotedBeforeRestart(seams, s, record.id(), baseDir, previous.apply(s.name()), at, events);
                deployments.put(s.name(), d);
                promoted.add(d);
            } else if (at != null && (at.reached() == Phase.ROLLING_BACK || at.reached() == Phase.ROLLED_BACK) && s.fleetMember().isPresent()) {
                // a customer that failed within its fleet's budget before the restart (recovery resumes no other rollback): its
                // traffic is back; new instances its rollback had not stopped yet are stopped when the release runs
                failedBefore.add(s.name());
                at.fresh().forEach(i -> leftovers.add(() -> seams.platform().stop(i, s.run().stopGrace())));
                fleetFailures.computeIfAbsent(s.fleetMember().get().service(), k -> new ArrayList<>()).add(s.name());
            }
        }
    }

    public ReleaseRecord record() {
        return record;
    }

    /** Each service: its wave and phase (PENDING while its wave waits). */
    public Map<String, ServiceStatus> statuses() {
        Map<String, ServiceStatus> m = new LinkedHashMap<>();
        waveOf.forEach((s, w) -> m.put(s, new ServiceStatus(w, phaseOf(s))));
        return m;
    }

    /** The version each service deploys. */
    public Map<String, String> versions() {
        return Map.copyOf(versionOf);
    }

    private Phase phaseOf(String service) {
        return Optional.ofNullable(deployments.get(service)).map(ServiceDeployment::phase).orElse(Phase.PENDING);
    }

    /** Lets every manual pause of the release go on, and a fleet's ring waiting at its gate begin. */
    public void promote(String who) {
        gateOpenedBy = who;
        gateOpened = true;
        deployments.values().forEach(d -> d.promote(who));
    }

    /** Lets a release waiting for approval go on; false when it does not wait (yet, or any more). */
    public boolean approve(String by, String reason) {
        return policy.approve(by, reason);
    }

    /** The approval's deadline while the release waits for one. */
    public Optional<Instant> awaitingApproval() {
        return policy.awaiting();
    }

    /**
     * The engine is stopping: a release waiting for approval (nothing of it started) is left
     * unfinished, so that the next server waits again; true when it was one.
     */
    public boolean detachIfWaiting() {
        return policy.detachIfWaiting();
    }

    /** Rolls the release back now (traffic first). */
    public void abort(String who) {
        policy.abort(who);
        aborted = new Failed(RollbackCause.ABORTED, "aborted by " + who);
        deployments.values().forEach(d -> d.abort(RollbackCause.ABORTED, aborted.reason()));
    }

    /**
     * Runs the waves from {@code wavesDone}, then ends the release and calls {@code ended}; then the
     * kept-warm versions retire after {@code keepPrevious}. Blocking; returns how the release ended, or
     * empty when the engine stopped while it waited for approval (it stays unfinished for the next server).
     * The server's policy comes first ({@link PolicySteps}): evidence, then the approval.
     */
    public Optional<Outcome> run(int wavesDone, Runnable ended) {
        leftovers.forEach(Runnable::run);
        PolicySteps.Ending before;
        try {
            before = policy.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            before = new PolicySteps.Ending(new Failed(RollbackCause.ABORTED, "the engine closed before the release started; nothing was deployed"),
                    false);
        }
        if (before.detached()) {
            ended.run();
            return Optional.empty();
        }
        if (before.failure() != null) {
            try {
                if (!spec.databases().isEmpty()) {
                    databases.skipContracts("the release never started");
                }
                finish(Outcome.CANCELLED, before.failure());
            } finally {
                ended.run();
            }
            return Optional.of(Outcome.CANCELLED);
        }
        return Optional.of(runWaves(wavesDone, ended));
    }

    private Outcome runWaves(int wavesDone, Runnable ended) {
        List<Wave> waves = spec.stages();
        Failed failure = null;
        boolean changed = !promoted.isEmpty();
        if (!spec.databases().isEmpty()) {
            Failed refused = databases.gate();
            if (refused != null) {
                // nothing has run: the release ends as it stood, with the gate's findings journaled
                try {
                    databases.skipContracts("the release never started");
                    finish(Outcome.CANCELLED, refused);
                } finally {
                    ended.run();
                }
                return Outcome.CANCELLED;
            }
        }
        try {
            for (int w = wavesDone; w < waves.size() && failure == null; w++) {
                Wave wave = waves.get(w);
                List<String> names = wave.names();
                String ring = wave.ring().orElse(null);
                if (aborted != null) {
                    failure = aborted;
                    break;
                }
                if (wave.gate()) {
                    failure = awaitGate(w + 1, wave);
                    if (failure != null) {
                        break;
                    }
                }
                if (waves.size() > 1) {
                    events.emit(new ReleaseEvent.WaveChanged(now(), null, "wave " + (w + 1) + " of " + waves.size() + (ring == null ? "" : ", ring " + ring)
                            + ": " + summary(names), w + 1, names, WaveState.STARTED, ring));
                }
                failure = databases.expandBefore(w, previous);
                if (failure != null) {
                    break;
                }
                failure = runWave(wave);
                changed |= deployments.values().stream().anyMatch(d -> d.phase() != Phase.UNCHANGED);
                if (failure == null && changed && !spec.verify().isEmpty()) {
                    failure = verify(w + 1);
                }
                if (failure == null && !wave.bakeAfter().isZero()) {
                    failure = bake(w + 1, wave);
                }
                if (failure == null && waves.size() > 1) {
                    events.emit(new ReleaseEvent.WaveChanged(now(), null, "wave " + (w + 1) + " done" + (ring == null ? "" : " (ring " + ring + ")"), w + 1,
                            names, WaveState.DONE, ring));
                }
                if (failure != null && w + 1 < waves.size()) {
                    List<String> left = waves.subList(w + 1, waves.size()).stream().flatMap(x -> x.names().stream()).toList();
                    events.emit(new ReleaseEvent.Note(now(), null, "not deployed: " + summary(left)));
                }
            }
        } catch (RuntimeException e) {
            log.error("release {} failed", record.id(), e);
            failure = new Failed(RollbackCause.INTERNAL, "internal error: " + e.getMessage());
        }
        List<ServiceDeployment> done;
        synchronized (this) {
            done = List.copyOf(promoted);
        }
        Outcome outcome;
        List<DatabaseSpec> contracts = List.of();
        if (failure != null && stopped != null && failure == stopped) {
            // a fleet's budget exceeded with then: keep: what was promoted stays, nothing flips back
            outcome = Outcome.STOPPED;
            for (ServiceDeployment d : done) {
                store.saveService(new ServiceRecord(d.service(), d.version(), d.previousVersion(), record.id(), now()));
            }
        } else if (failure != null) {
            // a failing service began the flip already; a failed verify check or an abort between waves begins it here
            flipBack(failure, now());
            retireNew(done, failure.reason());
            outcome = Outcome.ROLLED_BACK;
        } else {
            outcome = done.isEmpty() ? (failedCustomers().isEmpty() ? Outcome.UNCHANGED : Outcome.ROLLED_BACK) : Outcome.PROMOTED;
            for (ServiceDeployment d : done) {
                store.saveService(new ServiceRecord(d.service(), d.version(), d.previousVersion(), record.id(), now()));
            }
            if (!failedCustomers().isEmpty()) {
                failure = new Failed(RollbackCause.RELEASE, failedCustomersSentence());
            }
        }
        if (!spec.databases().isEmpty()) {
            if (outcome == Outcome.ROLLED_BACK || outcome == Outcome.STOPPED) {
                databases.skipContracts("the release rolled back");
            } else {
                contracts = databases.contractsPending();
            }
        }
        try {
            finish(outcome, failure);
        } finally {
            ended.run();
        }
        if (outcome == Outcome.PROMOTED || outcome == Outcome.STOPPED) {
            retirePrevious(done);
        }
        if (!contracts.isEmpty()) {
            Map<String, Optional<String>> previousVersions = new LinkedHashMap<>();
            done.forEach(d -> previousVersions.put(d.service(), d.previousVersion()));
            try {
                databases.contract(contracts, previousVersions);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return outcome;
    }

    /**
     * Deploys a wave, {@code maxParallel} at a time (0: all). The first failure stops the wave:
     * services not started yet are not, services still deploying are aborted (they roll back), and
     * as soon as the failing service's own traffic is back, the services promoted earlier flip back
     * too. Returns the failure, or null.
     */
    private Failed runWave(Wave wave) {
        Semaphore slots = new Semaphore(wave.maxParallel() <= 0 ? wave.services().size() : wave.maxParallel());
        CopyOnWriteArrayList<Failed> failures = new CopyOnWriteArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            // slots taken here, in the file's order, so that services start in that order as slots free up
            for (ServiceSpec svc : wave.services()) {
                try {
                    slots.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                ex.submit(() -> {
                    try {
                        deployOne(svc, failures);
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        // an abort that came while the wave ran, or before it started anything, fails the release too
        return !failures.isEmpty() ? failures.get(0) : aborted;
    }

    private void deployOne(ServiceSpec svc, List<Failed> failures) {
        if (!failures.isEmpty() || aborted != null) {
            events.emit(new ReleaseEvent.Note(now(), svc.name(), "not started: the release is " + (stopped != null ? "stopping" : "rolling back")));
            return;
        }
        if (deployments.containsKey(svc.name()) || failedBefore.contains(svc.name())) {
            return; // promoted, or failed within its fleet's budget, before the server restarted
        }
        ServiceDeployment d = new ServiceDeployment(seams, svc, record.id(), baseDir, previous.apply(svc.name()), Optional.ofNullable(resumeAt.get(svc.name())),
                events);
        d.onRollback((f, decided) -> {
            Failed why = new Failed(f.rollbackCause(), svc.name() + ": " + f.reason());
            if (svc.fleetMember().isPresent() && customerFailed(svc, f, why, failures)) {
                return; // within the budget, or the release stops keeping what it updated: this customer alone is back
            }
            failures.add(why);
            flipBack(why, decided);
        });
        deployments.put(svc.name(), d);
        Failed abort = aborted;
        if (abort != null) {
            d.abort(abort.rollbackCause(), abort.reason());
        }
        ServiceDeployment.Result res = d.run();
        if (res.outcome() == Outcome.PROMOTED) {
            promoted(d);
        } else if (res.outcome() == Outcome.ROLLED_BACK && failures.isEmpty() && !isFailedCustomer(svc.name())) {
            failures.add(new Failed(res.cause(), svc.name() + ": " + res.reason()));
        }
    }

    // --- fleets: the failure budget, gates and bakes between rings ------------------------------------

    /**
     * A customer of a fleet failed (its own rollback has put its traffic back). Journals it and says
     * whether the release goes on without flipping anything back: within the fleet's budget, or once
     * the budget is exceeded with {@code then: keep} (the release stops: customers still deploying roll
     * back, those promoted keep the new version). False when the budget is exceeded with
     * {@code then: rollback}, or when the rollback was asked of the customer from outside.
     */
    private boolean customerFailed(ServiceSpec svc, Failed f, Failed why, List<Failed> failures) {
        FleetMember m = svc.fleetMember().orElseThrow();
        FleetSpec fleet = spec.fleet(m.service()).orElseThrow();
        if (f.rollbackCause().askedFromOutside()) {
            return stopped != null; // asked by the stop (keep) or by a release rolling back
        }
        int failed;
        int allowed = fleet.budget().allowed(fleet.customers().size());
        synchronized (this) {
            List<String> list = fleetFailures.computeIfAbsent(m.service(), k -> new ArrayList<>());
            list.add(svc.name());
            failed = list.size();
        }
        boolean exceeded = failed > allowed;
        boolean keep = fleet.budget().then() == FleetSpec.OnExceeded.KEEP;
        String budget = "failure budget " + failed + " of " + allowed;
        String message = "customer " + m.customer() + " (ring " + m.ringName() + ") failed and is back on its previous version: " + f.reason() + "; "
                + budget + (!exceeded ? ": the release goes on" : keep ? " exceeded: the release stops, customers already updated keep "
                + svc.version() : " exceeded: every customer updated goes back");
        events.emit(new ReleaseEvent.CustomerFailed(now(), svc.name(), message, m.service(), m.customer(), m.ringName(), f.reason(), f.rollbackCause(),
                failed, allowed, exceeded, keep));
        if (!exceeded) {
            return true;
        }
        if (!keep) {
            return false;
        }
        if (stopped == null) {
            stopped = new Failed(RollbackCause.RELEASE, "fleet " + m.service() + ": " + budget + " exceeded (" + failedCustomersSentence()
                    + "); the release stopped, customers already updated keep " + svc.version());
            failures.add(stopped);
            for (ServiceDeployment other : deployments.values()) {
                Phase p = other.phase();
                if (p.ordinal() < Phase.PROMOTED.ordinal()) {
                    other.abort(RollbackCause.RELEASE, "the release stopped: " + budget + " of fleet " + m.service() + " exceeded");
                }
            }
        }
        return true;
    }

    private synchronized boolean isFailedCustomer(String name) {
        return fleetFailures.values().stream().anyMatch(l -> l.contains(name));
    }

    private synchronized List<String> failedCustomers() {
        return fleetFailures.values().stream().flatMap(List::stream).toList();
    }

    /** "2 customers failed: web.c07, web.c09" (the reasons are in each customer's own events). */
    private String failedCustomersSentence() {
        List<String> failed = failedCustomers();
        return failed.size() + " customer" + (failed.size() == 1 ? "" : "s") + " failed and " + (failed.size() == 1 ? "is" : "are")
                + " back on the previous version: " + summary(failed);
    }

    /** Waits at a ring's manual gate for {@code glidepath promote}; an abort ends the wait. */
    private Failed awaitGate(int number, Wave wave) {
        gateOpened = false;
        String ring = wave.ring().orElse("?");
        events.emit(new ReleaseEvent.WaveChanged(now(), null, "ring " + ring + " waits for glidepath promote (its manual gate) before "
                + summary(wave.names()), number, wave.names(), WaveState.GATED, ring));
        try {
            while (!gateOpened && aborted == null) {
                seams.clock().sleep(GATE_POLL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failed(RollbackCause.ABORTED, "interrupted at the gate of ring " + ring + ": the engine is closing");
        }
        if (aborted != null) {
            return aborted;
        }
        events.emit(new ReleaseEvent.Note(now(), null, "promote by " + gateOpenedBy + " received: ring " + ring + " begins"));
        return null;
    }

    /** The wait after a ring, before the next; an abort ends it. */
    private Failed bake(int number, Wave wave) {
        String ring = wave.ring().orElse("?");
        events.emit(new ReleaseEvent.WaveChanged(now(), null, "baking " + Durations.format(wave.bakeAfter()) + " after ring " + ring
                + " before the next ring", number, wave.names(), WaveState.BAKING, ring));
        Instant until = now().plus(wave.bakeAfter());
        try {
            while (aborted == null && now().isBefore(until)) {
                Duration left = Duration.between(now(), until);
                seams.clock().sleep(left.compareTo(GATE_POLL) < 0 ? left : GATE_POLL);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failed(RollbackCause.ABORTED, "interrupted while baking after ring " + ring + ": the engine is closing");
        }
        return aborted;
    }

    /** Names for a sentence: all of them up to 8, else the first 6 and how many more. */
    static String summary(List<String> names) {
        if (names.size() <= 8) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, 6)) + " and " + (names.size() - 6) + " more";
    }

    /** Records a promoted service; when the release is already flipping back, this one flips back now. */
    private void promoted(ServiceDeployment d) {
        String flipping;
        Instant decided;
        synchronized (this) {
            promoted.add(d);
            flipping = flipReason;
            decided = flipDecided;
        }
        if (flipping != null) {
            d.restoreTraffic(flipping, decided);
        }
    }

    /**
     * The release's verify checks through the router after {@code wave}; the first failure, or null.
     * A check whose path is served by a service deployed for the first time in a later wave waits for
     * that wave (there is nothing to answer it yet); after the last wave every check runs.
     */
    private Failed verify(int wave) {
        for (HttpCheck c : spec.verify()) {
            Optional<ServiceSpec> server = servedBy(spec, c);
            if (server.isPresent() && waveOf.getOrDefault(server.get().name(), 0) > wave && previous.apply(server.get().name()).version().isEmpty()) {
                events.emit(new ReleaseEvent.Note(now(), null, "verify check '" + c.name() + "' waits after wave " + wave + ": "
                        + server.get().name() + ", which answers " + c.path() + ", arrives in wave " + waveOf.get(server.get().name())));
                continue;
            }
            Prober.Result res = seams.prober().check(seams.router().entry(), c, Map.of());
            String msg = "verify check '" + c.name() + "' " + (res.passed() ? "passed" : "failed") + " after wave " + wave + ": " + c.method() + " "
                    + c.path() + " -> " + res.detail();
            events.emit(new ReleaseEvent.CheckResult(now(), null, msg, c.name(), "the router", res.passed()));
            if (!res.passed()) {
                return new Failed(RollbackCause.VERIFY_CHECK, msg);
            }
        }
        return null;
    }

    /** The release's service whose route takes the check's request: a named host before any host, then the longest path prefix. */
    public static Optional<ServiceSpec> servedBy(ReleaseSpec spec, HttpCheck check) {
        String host = check.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Host")).map(Map.Entry::getValue)
                .findFirst().map(h -> h.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT)).orElse("");
        String path = check.path().replaceFirst("[?#].*$", "");
        return spec.services().stream()
                .filter(s -> s.route().match().matchesHost(host) && s.route().match().matchesPath(path))
                .max(Comparator.comparing((ServiceSpec s) -> s.route().match().host() == null ? 0 : s.route().match().isWildcardHost() ? 1 : 2)
                        .thenComparing(s -> s.route().match().pathPrefix().length()));
    }

    /**
     * Atomic rollback, traffic part, once per release: the services still deploying roll back, then
     * every service the release promoted flips back to its previous version, wave by wave from the
     * last (one route update each; a wave's services together, as they do not depend on each other).
     * Runs on the failing service's thread as soon as its own traffic is back, so the release is on
     * its previous versions within a second of {@code decided}, while the failing version still drains.
     */
    private void flipBack(Failed failure, Instant decided) {
        List<ServiceDeployment> flip;
        synchronized (this) {
            if (flipReason != null) {
                return;
            }
            flipReason = failure.reason();
            flipDecided = decided;
            flip = new ArrayList<>(promoted);
        }
        RollbackCause asked = failure.rollbackCause() == RollbackCause.ABORTED ? RollbackCause.ABORTED : RollbackCause.RELEASE;
        for (ServiceDeployment d : deployments.values()) {
            d.abort(asked, asked == RollbackCause.ABORTED ? failure.reason() : "release rolling back: " + failure.reason());
        }
        Set<String> flipping = new HashSet<>();
        for (ServiceDeployment d : flip) {
            flipping.add(d.service());
            d.spec().fleetMember().ifPresent(m -> flipping.add(m.service()));
        }
        try {
            // a service still deploying whose new version calls one about to flip back must have its own traffic back first (its
            // new version may need the new one it calls); the others (a fleet's customers, independent services) flip meanwhile
            for (ServiceDeployment d : deployments.values()) {
                if (!flip.contains(d) && d.phase() != Phase.UNCHANGED && d.phase() != Phase.DONE && callsAny(d.service(), flipping)
                        && !d.awaitTrafficBack(TRAFFIC_BACK_WAIT)) {
                    log.warn("release {}: {} took over {} s to put its traffic back; flipping the rest anyway", record.id(), d.service(),
                            TRAFFIC_BACK_WAIT.toSeconds());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flip.isEmpty()) {
            return;
        }
        events.emit(new ReleaseEvent.RollbackDecided(now(), null, "rolling the release back: " + flip.size() + " promoted service"
                + (flip.size() == 1 ? "" : "s") + " flip back to their previous versions, in reverse order", failure.reason(), failure.rollbackCause()));
        flip.sort((a, b) -> Integer.compare(waveOf.getOrDefault(b.service(), 0), waveOf.getOrDefault(a.service(), 0)));
        int i = 0;
        while (i < flip.size()) {
            int wave = waveOf.getOrDefault(flip.get(i).service(), 0);
            List<ServiceDeployment> same = new ArrayList<>();
            while (i < flip.size() && waveOf.getOrDefault(flip.get(i).service(), 0) == wave) {
                same.add(flip.get(i++));
            }
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                same.forEach(d -> ex.submit(() -> d.restoreTraffic(failure.reason(), decided)));
            }
        }
        Duration took = seams.clock().since(decided);
        events.emit(new ReleaseEvent.TrafficRestored(now(), null, "every service of the release is back on its previous version "
                + took.toMillis() + " ms after the decision", took.toMillis()));
    }

    /** Whether {@code service} depends, directly or through others in the release, on one of {@code targets}. */
    private boolean callsAny(String service, Set<String> targets) {
        Map<String, ServiceSpec> byName = new LinkedHashMap<>();
        spec.services().forEach(s -> byName.put(s.name(), s));
        List<String> toVisit = new ArrayList<>(List.of(service));
        Set<String> seen = new HashSet<>();
        while (!toVisit.isEmpty()) {
            ServiceSpec s = byName.get(toVisit.removeLast());
            if (s == null || !seen.add(s.name())) {
                continue;
            }
            for (String callee : s.dependsOn()) {
                if (targets.contains(callee)) {
                    return true;
                }
                toVisit.add(callee);
            }
        }
        return false;
    }

    /** Atomic rollback, second part: the promoted services' new instances drain and stop. */
    private static void retireNew(List<ServiceDeployment> promoted, String reason) {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            promoted.forEach(d -> ex.submit(() -> d.retireNew(reason)));
        }
    }

    /** keepPrevious counts from the end of the release, for every service at once. */
    private static void retirePrevious(List<ServiceDeployment> promoted) {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ServiceDeployment d : promoted) {
                ex.submit(() -> {
                    try {
                        d.retirePrevious();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
        }
    }

    private void finish(Outcome outcome, Failed failure) {
        String id = record.id();
        String reason = failure == null ? null : failure.reason();
        Instant at = now();
        store.updateRelease(record.finish(outcome, reason, at));
        store.unlock(record.services(), id);
        String message = switch (outcome) {
            case PROMOTED -> "release " + id + " promoted" + (reason == null ? "" : "; " + reason);
            case ROLLED_BACK -> "release " + id + " rolled back: " + reason;
            case UNCHANGED -> "release " + id + ": every service already ran its version; nothing changed";
            case FAILED -> "release " + id + " failed: " + reason;
            case CANCELLED -> "release " + id + " cancelled: " + reason;
            case STOPPED -> "release " + id + " stopped: " + reason;
        };
        RollbackCause cause = failure == null || outcome == Outcome.PROMOTED ? null : failure.rollbackCause();
        events.emit(new ReleaseEvent.Finished(at, null, message, outcome, reason, cause));
    }

    private Instant now() {
        return seams.clock().now();
    }
}
