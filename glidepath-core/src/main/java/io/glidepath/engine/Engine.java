package io.glidepath.engine;

import io.glidepath.engine.internal.DatabaseSteps;
import io.glidepath.engine.internal.EventBus;
import io.glidepath.engine.internal.Previous;
import io.glidepath.engine.internal.ReleaseQueue;
import io.glidepath.engine.internal.ReleaseRun;
import io.glidepath.journal.MigrationStep;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.ServiceStatus;
import io.glidepath.journal.StoredEvent;
import io.glidepath.migration.MigrationSetupException;
import io.glidepath.platform.Instance;
import io.glidepath.policy.PolicyTerms;
import io.glidepath.policy.WindowGuard;
import io.glidepath.spec.ChosenStrategy;
import io.glidepath.spec.DatabaseSpec;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs releases. A release takes all its services at once (refused, naming the holder, when another
 * release has one; or queued behind it), journals every event before the step it announces, and
 * deploys its services in waves ({@link ReleaseRun}). Releases on disjoint services run side by
 * side, each on a virtual thread. This class is the queue and the registry of running releases;
 * what one release does is in {@code internal}.
 */
public final class Engine implements AutoCloseable {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    /** How long closing waits for running releases to roll back before it interrupts them. */
    private static final Duration CLOSE_WAIT = Duration.ofMinutes(1);

    private final EngineSeams seams;
    private final Store store;
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    private final EventBus bus;
    private final ReleaseQueue queue = new ReleaseQueue();
    private final Map<String, ReleaseRun> running = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private boolean closing; // guarded by this: once closing, queued releases are cancelled, not started
    private volatile WindowGuard windows = WindowGuard.NONE;

    public Engine(EngineSeams seams, Store store) {
        this(seams, store, Optional.empty());
    }

    /** With a failpoint: the engine dies on purpose right after journaling that event (crash-recovery tests). */
    public Engine(EngineSeams seams, Store store, Optional<Failpoint> failpoint) {
        this.seams = seams;
        this.store = store;
        this.bus = new EventBus(store, failpoint);
    }

    /**
     * Refuses a release that reads well but that these seams cannot carry out (a service without the
     * command or image its platform runs; figures from Prometheus when no URL names one, in the file
     * or the server's settings), every problem
     * located; the server checks this before {@link #submit}.
     */
    public void check(ReleaseSpec spec) throws InvalidSpecException {
        List<SpecError> problems = new ArrayList<>();
        for (int i = 0; i < spec.services().size(); i++) {
            problems.addAll(seams.platform().problems(spec.services().get(i), "services[" + i + "]"));
            problems.addAll(seams.metrics().problems(spec.services().get(i), "services[" + i + "]"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidSpecException(problems);
        }
    }

    /** Takes a checked release and starts it; returns its record at once. */
    public ReleaseRecord submit(ReleaseSpec spec, String file, String source, Path baseDir, String submittedBy)
            throws ServiceBusyException, ReleaseExistsException {
        return submit(spec, file, source, baseDir, submittedBy, false);
    }

    /**
     * Takes a checked release and starts it, or, with {@code queue}, queues it behind the release
     * holding one of its services (it starts when its services are free).
     */
    public ReleaseRecord submit(ReleaseSpec spec, String file, String source, Path baseDir, String submittedBy, boolean queue)
            throws ServiceBusyException, ReleaseExistsException {
        return submit(spec, file, source, Map.of(), baseDir, submittedBy, queue);
    }

    /**
     * As above, with the files the release file names beside it as they were read ({@code attachments},
     * path to text: a fleet file), stored with the release so that a restarted server reads the same.
     */
    public ReleaseRecord submit(ReleaseSpec spec, String file, String source, Map<String, String> attachments, Path baseDir,
                                String submittedBy, boolean queue) throws ServiceBusyException, ReleaseExistsException {
        return submit(spec, file, source, attachments, baseDir, submittedBy, queue, PolicyTerms.none());
    }

    /**
     * As above, with what the server's policy asks of the release ({@code terms}): journaled with it
     * at once ({@link ReleaseEvent.PolicyApplied}), carried out before anything of it starts (evidence
     * checks, then the wait for approval until {@code submitted + approvalTimeout}).
     */
    public ReleaseRecord submit(ReleaseSpec spec, String file, String source, Map<String, String> attachments, Path baseDir,
                                String submittedBy, boolean queue, PolicyTerms terms) throws ServiceBusyException, ReleaseExistsException {
        return submit(spec, file, source, attachments, baseDir, submittedBy, queue, terms, Map.of());
    }

    /**
     * As above, with what {@code strategy: auto} became for each service that names it ({@code chosen}, by
     * deployment name; the server chooses from the release's risk): journaled with the release at once
     * ({@link ReleaseEvent.StrategyChosen}) and run. A release with an {@code auto} service left unresolved
     * is refused (IllegalArgumentException): the engine never guesses a strategy.
     */
    public ReleaseRecord submit(ReleaseSpec unresolved, String file, String source, Map<String, String> attachments, Path baseDir,
                                String submittedBy, boolean queue, PolicyTerms terms, Map<String, ChosenStrategy> chosen)
            throws ServiceBusyException, ReleaseExistsException {
        return submit(unresolved, file, source, attachments, baseDir, submittedBy, queue, terms, chosen, Optional.empty());
    }

    /** As above, with how risky the server scored it ({@code risk}), journaled first: the sign-off report says it. */
    public synchronized ReleaseRecord submit(ReleaseSpec unresolved, String file, String source, Map<String, String> attachments, Path baseDir,
                                             String submittedBy, boolean queue, PolicyTerms terms, Map<String, ChosenStrategy> chosen,
                                             Optional<ReleaseEvent.RiskAssessed> risk) throws ServiceBusyException, ReleaseExistsException {
        ReleaseSpec spec = unresolved.withChosenStrategies(chosen);
        List<String> services = spec.services().stream().map(ServiceSpec::name).toList();
        String id = spec.name().orElseGet(() -> services.get(0) + "-" + ID_TIME.format(seams.clock().now()) + "-" + shortRandom());
        if (store.release(id).isPresent()) {
            throw new ReleaseExistsException("release " + id + " already exists; name the new one differently or leave 'release:' out");
        }
        ReleaseRecord record = new ReleaseRecord(id, file, source, baseDir.toString(), services, submittedBy, seams.clock().now(),
                Optional.empty(), Optional.empty(), Optional.empty(), attachments);
        Optional<String> holder = store.lock(services, id);
        if (holder.isPresent()) {
            if (!queue) {
                String busy = services.stream().filter(s -> store.holder(s).filter(holder.get()::equals).isPresent()).findFirst().orElse(services.get(0));
                throw new ServiceBusyException("service " + busy + " is being deployed by release " + holder.get()
                        + "; wait for it to finish, queue behind it with --queue, or run: glidepath abort " + holder.get(), holder.get());
            }
            store.createRelease(record);
            risk.ifPresent(r -> bus.emit(id, r));
            journalPolicy(record, terms);
            journalChoices(record, unresolved, chosen);
            bus.emit(id, new ReleaseEvent.Queued(seams.clock().now(), null, "release " + id + " queued behind release " + holder.get()
                    + " (it holds some of the same services)", holder.get()));
            this.queue.add(new ReleaseQueue.Waiting(record, spec, baseDir));
            return record;
        }
        store.createRelease(record);
        risk.ifPresent(r -> bus.emit(id, r));
        journalPolicy(record, terms);
        journalChoices(record, unresolved, chosen);
        start(record, spec, baseDir);
        return record;
    }

    private void journalChoices(ReleaseRecord record, ReleaseSpec unresolved, Map<String, ChosenStrategy> chosen) {
        for (String service : unresolved.autoServices()) {
            ChosenStrategy c = chosen.get(service);
            bus.emit(record.id(), new ReleaseEvent.StrategyChosen(seams.clock().now(), service, "strategy: auto for " + service + " is "
                    + c.describe() + ": " + c.why(), c));
        }
    }

    private void journalPolicy(ReleaseRecord record, PolicyTerms terms) {
        if (terms.isEmpty()) {
            return;
        }
        Instant deadline = terms.approvalRules().isEmpty() ? null : record.submitted().plus(terms.approvalTimeout());
        List<String> asks = new ArrayList<>();
        terms.override().ifPresent(o -> asks.add("deploy window overridden by " + o));
        if (!terms.evidence().isEmpty()) {
            asks.add(terms.evidence().size() + " evidence check" + (terms.evidence().size() == 1 ? "" : "s") + " before anything starts ("
                    + String.join(", ", terms.evidence().stream().map(io.glidepath.policy.EvidenceCheck::label).toList()) + ")");
        }
        if (deadline != null) {
            asks.add("approval by someone other than " + record.submittedBy() + " (" + String.join(", ", terms.approvalRules()) + ") by " + deadline);
        }
        bus.emit(record.id(), new ReleaseEvent.PolicyApplied(seams.clock().now(), null, "policy: " + String.join("; ", asks), terms.approvalRules(),
                deadline, terms.evidence(), terms.override().orElse(null)));
    }

    /**
     * The server's deploy windows, asked again when a release that waited (in the queue, or for an
     * approval) is about to start: a window that closed meanwhile ends it CANCELLED, nothing deployed,
     * unless an admin overrode the window at submission.
     */
    public void windows(WindowGuard guard) {
        this.windows = guard;
    }

    /** What an approval came to. */
    public enum Approval {
        /** The release goes on. */
        APPROVED,
        /** The approver submitted it: someone else must approve. */
        OWN_RELEASE,
        /** It does not wait for approval (it needs none, it was approved already, or it ended). */
        NOT_WAITING
    }

    /** Approves a release waiting for approval, unless {@code approver} submitted it. */
    public Approval approve(String releaseId, String approver, String reason) {
        ReleaseRun r = running.get(releaseId);
        if (r == null || r.awaitingApproval().isEmpty()) {
            return Approval.NOT_WAITING;
        }
        if (r.record().submittedBy().equals(approver)) {
            return Approval.OWN_RELEASE;
        }
        return r.approve(approver, reason) ? Approval.APPROVED : Approval.NOT_WAITING;
    }

    /** Until when a running release waits for approval; empty when it does not wait. */
    public Optional<Instant> awaitingApproval(String releaseId) {
        return Optional.ofNullable(running.get(releaseId)).flatMap(ReleaseRun::awaitingApproval);
    }

    private void start(ReleaseRecord record, ReleaseSpec spec, Path baseDir) {
        List<List<ServiceSpec>> waves = spec.waves();
        bus.emit(record.id(), new ReleaseEvent.Submitted(seams.clock().now(), null, "release " + record.id() + " submitted by " + record.submittedBy()
                + ": " + String.join(", ", spec.services().stream().map(s -> s.name() + " " + s.version()).toList())
                + (waves.size() > 1 ? " in " + waves.size() + " waves" : ""), record.services(),
                waves.stream().map(w -> w.stream().map(ServiceSpec::name).toList()).toList()));
        launch(new ReleaseRun(seams, store, record, spec, baseDir, bus.sink(record.id()), this::previous, Map.of(), windows), 0);
    }

    /**
     * Contracts a restarted server finds pending: promoted releases whose journal shows a database's
     * contract not done (pending, waiting for sessions, or begun when the last server stopped). Each goes on
     * on its own thread, journaled in its release: once no previous version is connected, the contract
     * migrations still pending in Flyway's history run. Returns the releases concerned.
     */
    public List<String> resumeContracts(int recentReleases) {
        List<String> resumed = new ArrayList<>();
        for (ReleaseRecord r : store.releases(recentReleases)) {
            if (r.outcome().filter(o -> o == Outcome.PROMOTED).isEmpty()) {
                continue;
            }
            if (!r.source().contains("database")) {
                continue; // no database in its file: nothing to contract (and no need to read it)
            }
            ReleaseSpec spec;
            try {
                spec = r.spec();
            } catch (InvalidSpecException e) {
                log.warn("release {}: its contract cannot go on, its release file no longer reads: {}", r.id(), e.getMessage());
                continue;
            }
            Map<String, MigrationStep> contracts = ReleaseHistory.of(store.events(r.id(), 0)).contracts();
            // not done: pending, waiting or begun; or never journaled at all (a server that died before it said "pending")
            List<String> open = spec.databases().stream().filter(d -> d.contract().isPresent()).map(DatabaseSpec::name)
                    .filter(d -> contracts.containsKey(d) ? contracts.get(d) == MigrationStep.CONTRACT_PENDING
                            || contracts.get(d) == MigrationStep.CONTRACT_WAITING || contracts.get(d) == MigrationStep.STARTED
                            : hasPendingContract(spec.database(d).orElseThrow(), Path.of(r.baseDir()))).toList();
            if (open.isEmpty()) {
                continue;
            }
            List<DatabaseSpec> dbs = open.stream().map(spec::database).flatMap(Optional::stream).toList();
            Map<String, Optional<String>> previous = new LinkedHashMap<>();
            for (ServiceSpec s : spec.services()) {
                store.service(s.name()).filter(rec -> rec.lastRelease().equals(r.id())).ifPresent(rec -> previous.put(s.name(), rec.previousVersion()));
            }
            DatabaseSteps steps = new DatabaseSteps(seams, store, spec, Path.of(r.baseDir()), bus.sink(r.id()));
            bus.emit(r.id(), new ReleaseEvent.Note(seams.clock().now(), null, "the server restarted with the contract of " + String.join(", ", open)
                    + " pending: it goes on"));
            Thread.ofVirtual().name("contract-" + r.id()).start(() -> {
                try {
                    steps.contract(dbs, previous);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    log.error("release {}: contract failed", r.id(), e);
                }
            });
            resumed.add(r.id());
        }
        return resumed;
    }

    private boolean hasPendingContract(DatabaseSpec db, Path baseDir) {
        try {
            return !seams.migrations().pendingContract(db, baseDir).isEmpty();
        } catch (MigrationSetupException e) {
            log.warn("database '{}': cannot tell whether its contract is pending: {}", db.name(), e.getMessage());
            return false;
        }
    }

    /**
     * Goes on with a release a stopped server left unfinished, where its journal proves it safe (the
     * server's recovery decides that; the release still holds its services). Waves journaled done
     * are not run again; services the release had promoted ({@code resumeAt} reached DONE) join it
     * as promoted, to flip back if it rolls back; the others go on from their point, or start when
     * they have none. Returns at once; the release runs on its own thread like any other.
     */
    public void resume(ReleaseRecord record, ReleaseSpec spec, Path baseDir, int wavesDone, Map<String, ResumePoint> resumeAt) {
        if (!spec.autoServices().isEmpty()) {
            throw new IllegalArgumentException("release " + record.id() + ": strategy: auto is not resolved for " + spec.autoServices()
                    + " (recovery applies the journaled choices)");
        }
        ReleaseRun run = new ReleaseRun(seams, store, record, spec, baseDir, bus.sink(record.id()), this::previous, resumeAt, windows);
        int waves = spec.waves().size();
        bus.emit(record.id(), new ReleaseEvent.Note(seams.clock().now(), null, "the server restarted while release " + record.id() + " ran: its "
                + "journal and what runs agree, so it goes on where it was" + (waves > 1 ? ", at wave " + Math.min(wavesDone + 1, waves)
                + " of " + waves : "")));
        launch(run, wavesDone);
    }

    private void launch(ReleaseRun run, int wavesDone) {
        running.put(run.record().id(), run);
        threads.add(Thread.ofVirtual().name("release-" + run.record().id()).start(() -> run.run(wavesDone, () -> ended(run))));
    }

    /** A release ended (its kept-warm versions may still wait to retire): its services are free for the queue. */
    private void ended(ReleaseRun run) {
        synchronized (running) {
            running.remove(run.record().id());
            running.notifyAll();
        }
        startQueued();
    }

    /** Starts queued releases whose services are free now, in the order they were submitted. */
    private synchronized void startQueued() {
        if (closing) {
            return;
        }
        for (ReleaseQueue.Waiting w : queue.takeStartable(store)) {
            bus.emit(w.id(), new ReleaseEvent.Note(seams.clock().now(), null, "its services are free: starting"));
            start(w.record(), w.spec(), w.baseDir());
        }
    }

    /** The version serving a service now and its live instances. */
    private Previous previous(String service) {
        Optional<ServiceRecord> rec = store.service(service);
        if (rec.isEmpty()) {
            return Previous.none();
        }
        String version = rec.get().currentVersion();
        List<Instance> live = seams.platform().list(service).stream().filter(i -> i.version().equals(version)).toList();
        return new Previous(Optional.of(version), live);
    }

    /** Lets a manual pause of the release go on (every service paused in it). False when it is not running. */
    public boolean promote(String releaseId, String who) {
        ReleaseRun r = running.get(releaseId);
        if (r == null) {
            return false;
        }
        r.promote(who);
        return true;
    }

    /**
     * Rolls the release back now, or, when it is queued, takes it out of the queue (it ends
     * CANCELLED, nothing deployed). False when it is finished or unknown.
     */
    public boolean abort(String releaseId, String who) {
        if (cancelQueued(releaseId, "aborted by " + who + " while it waited in the queue; nothing was deployed")) {
            return true;
        }
        ReleaseRun r = running.get(releaseId);
        if (r == null) {
            return false;
        }
        r.abort(who);
        return true;
    }

    private boolean cancelQueued(String releaseId, String reason) {
        Optional<ReleaseQueue.Waiting> w = queue.remove(releaseId);
        if (w.isEmpty()) {
            return false;
        }
        Instant at = seams.clock().now();
        store.updateRelease(w.get().record().finish(Outcome.CANCELLED, reason, at));
        bus.emit(releaseId, new ReleaseEvent.Finished(at, null, "release " + releaseId + " cancelled: " + reason, Outcome.CANCELLED, reason, null));
        return true;
    }

    public boolean isRunning(String releaseId) {
        return running.containsKey(releaseId);
    }

    public boolean isQueued(String releaseId) {
        return queue.contains(releaseId);
    }

    /** The release a queued release waits for now (one holding some of its services). */
    public Optional<String> queuedBehind(String releaseId) {
        return queue.snapshot().stream().filter(w -> w.id().equals(releaseId)).findFirst()
                .flatMap(w -> w.record().services().stream().map(store::holder).flatMap(Optional::stream).findFirst());
    }

    /** Each service of a running or queued release: its wave and phase (PENDING while its wave waits). Empty when it is neither. */
    public Map<String, ServiceStatus> phases(String releaseId) {
        ReleaseRun r = running.get(releaseId);
        if (r != null) {
            return r.statuses();
        }
        Map<String, ServiceStatus> m = new LinkedHashMap<>();
        queue.snapshot().stream().filter(w -> w.id().equals(releaseId)).findFirst().ifPresent(w -> {
            List<List<ServiceSpec>> waves = w.spec().waves();
            for (int i = 0; i < waves.size(); i++) {
                for (ServiceSpec s : waves.get(i)) {
                    m.put(s.name(), new ServiceStatus(i + 1, Phase.PENDING));
                }
            }
        });
        return m;
    }

    /**
     * The releases in progress, as a live view shows them: the running ones, oldest first, then
     * the queued ones in the order they will start; each service with its wave, phase and the
     * version it deploys (a queued release's services are all PENDING).
     */
    public List<InProgress> inProgress() {
        List<InProgress> out = new ArrayList<>();
        running.values().stream().sorted(Comparator.comparing((ReleaseRun r) -> r.record().submitted()).thenComparing(r -> r.record().id()))
                .forEach(r -> {
                    Map<String, String> versions = r.versions();
                    List<ServiceInProgress> services = new ArrayList<>();
                    r.statuses().forEach((s, st) -> services.add(new ServiceInProgress(s, st.wave(), st.phase(), versions.get(s))));
                    out.add(new InProgress(r.record(), false, services, r.awaitingApproval()));
                });
        for (ReleaseQueue.Waiting w : queue.snapshot()) {
            List<ServiceInProgress> services = new ArrayList<>();
            List<List<ServiceSpec>> waves = w.spec().waves();
            for (int i = 0; i < waves.size(); i++) {
                for (ServiceSpec s : waves.get(i)) {
                    services.add(new ServiceInProgress(s.name(), i + 1, Phase.PENDING, s.version()));
                }
            }
            out.add(new InProgress(w.record(), true, services));
        }
        return out;
    }

    /** A release in progress: running, or queued behind another one. */
    public record InProgress(ReleaseRecord record, boolean queued, List<ServiceInProgress> services, Optional<Instant> approvalDeadline) {
        public InProgress {
            services = List.copyOf(services);
        }

        public InProgress(ReleaseRecord record, boolean queued, List<ServiceInProgress> services) {
            this(record, queued, services, Optional.empty());
        }
    }

    /** One service of a release in progress. */
    public record ServiceInProgress(String name, int wave, Phase phase, String version) {
    }

    /** Calls {@code follower} with each new event of the release; returns a handle to stop. */
    public Runnable follow(String releaseId, Consumer<StoredEvent> follower) {
        return bus.follow(releaseId, follower);
    }

    /**
     * Calls {@code follower} with each new event of every release (the notifier), on the thread
     * that journaled it, after the release's own followers: it must return at once. Returns a
     * handle to stop.
     */
    public Runnable followAll(Consumer<StoredEvent> follower) {
        return bus.followAll(follower);
    }

    private static String shortRandom() {
        byte[] b = new byte[2];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Waits for every release thread to end (tests; the server keeps them running). */
    public void awaitAll(Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        for (int i = 0; i < threads.size(); i++) {
            long left = end - System.nanoTime();
            if (left > 0) {
                threads.get(i).join(Duration.ofNanos(left));
            }
        }
    }

    /**
     * Stops the engine: queued releases are cancelled, releases in progress roll back (traffic
     * first), and this waits for them, up to a minute; keep-warm retirements end (their instances
     * stay, adopted later).
     */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
        }
        queue.snapshot().forEach(w -> cancelQueued(w.id(), "the server stopped while it waited in the queue; nothing was deployed"));
        // a release waiting for approval started nothing: it stays unfinished, and the next server waits again
        running.values().stream().filter(ReleaseRun::detachIfWaiting).forEach(r -> log.info("release {} waits for approval: the next server "
                + "goes on waiting", r.record().id()));
        running.keySet().forEach(id -> abort(id, "the server stopping"));
        long end = System.nanoTime() + CLOSE_WAIT.toNanos();
        synchronized (running) {
            try {
                while (!running.isEmpty() && System.nanoTime() < end) {
                    running.wait(Math.max(1, (end - System.nanoTime()) / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        threads.forEach(Thread::interrupt);
    }
}
