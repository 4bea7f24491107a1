package io.glidepath.engine;

import io.glidepath.platform.Instance;
import io.glidepath.spec.HttpCheck;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.store.StoredEvent;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs releases. A release takes all its services at once (refused, naming the holder, when another
 * release has one; or queued behind it), journals every event before the step it announces, and
 * deploys its services in waves: a wave's services in parallel (at most {@code maxParallel}), the
 * next wave once every service of this one is promoted and the release's verify checks passed
 * through the router. A release is atomic: when a service fails or a verify check does, the
 * services still deploying roll back and those already promoted flip back to their previous
 * version, in reverse dependency order, traffic first for all of them, then their new instances
 * are drained and stopped. The previous versions stay warm for {@code keepPrevious} counted from the
 * end of the release. Releases on disjoint services run side by side, each on a virtual thread.
 */
public final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /** The start of a rollback reason the engine gives a service it aborts: someone (or the stopping server) asked. */
    public static final String ABORTED_BY = "aborted by ";
    /** The start of a rollback reason the engine gives a service because its release rolls back for something else. */
    public static final String RELEASE_ROLLING_BACK = "release rolling back: ";

    private final ServiceDeployment.Seams seams;
    private final Store store;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final List<Waiting> queue = new ArrayList<>();
    private final Optional<Failpoint> failpoint;
    private final Map<String, List<Consumer<StoredEvent>>> followers = new ConcurrentHashMap<>();
    private final List<Consumer<StoredEvent>> followersOfAll = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private boolean closing; // guarded by this: once closing, queued releases are cancelled, not started

    /** A release in progress. */
    private static final class Running {
        final ReleaseRecord record;
        final Map<String, ServiceDeployment> deployments = new ConcurrentHashMap<>();
        final Map<String, Integer> waveOf = new LinkedHashMap<>();
        /** The version each service deploys, from the release file (known before its wave starts). */
        final Map<String, String> versionOf = new LinkedHashMap<>();
        volatile String abortReason;
        /** Services this release promoted, in promotion order; guarded by this. */
        final List<ServiceDeployment> promoted = new ArrayList<>();
        /** Set once the release-wide flip back has begun (guarded by this): a service promoted after it flips back on its own. */
        String flipReason;
        /** Resumed by a restarted server: where each service it had begun goes on from. */
        final Map<String, ServiceDeployment.Resume> resumeAt;

        Running(ReleaseRecord record, Map<String, ServiceDeployment.Resume> resumeAt) {
            this.record = record;
            this.resumeAt = Map.copyOf(resumeAt);
        }
    }

    /** A release waiting for services another release holds. */
    private record Waiting(ReleaseRecord record, ReleaseSpec spec, Path baseDir) {
    }

    public Engine(ServiceDeployment.Seams seams, Store store) {
        this(seams, store, Optional.empty());
    }

    /** With a failpoint: the engine dies on purpose right after journaling that event (crash-recovery tests). */
    public Engine(ServiceDeployment.Seams seams, Store store, Optional<Failpoint> failpoint) {
        this.seams = seams;
        this.store = store;
        this.failpoint = failpoint;
    }

    /** Takes a checked release and starts it; returns its record at once. */
    public ReleaseRecord submit(ReleaseSpec spec, String file, String source, Path baseDir, String submittedBy) throws ServiceBusyException {
        return submit(spec, file, source, baseDir, submittedBy, false);
    }

    /**
     * Takes a checked release and starts it, or, with {@code queue}, queues it behind the release
     * holding one of its services (it starts when its services are free).
     */
    public synchronized ReleaseRecord submit(ReleaseSpec spec, String file, String source, Path baseDir, String submittedBy, boolean queue)
            throws ServiceBusyException {
        List<String> services = spec.services().stream().map(ServiceSpec::name).toList();
        String id = spec.name().orElseGet(() -> services.get(0) + "-" + ID_TIME.format(seams.clock().now()) + "-" + shortRandom());
        if (store.release(id).isPresent()) {
            throw new ServiceBusyException("release " + id + " already exists; name the new one differently or leave 'release:' out", id);
        }
        ReleaseRecord record = new ReleaseRecord(id, file, source, baseDir.toString(), services, submittedBy, seams.clock().now(),
                Optional.empty(), Optional.empty(), Optional.empty());
        Optional<String> holder = store.lock(services, id);
        if (holder.isPresent()) {
            if (!queue) {
                String busy = services.stream().filter(s -> store.holder(s).filter(holder.get()::equals).isPresent()).findFirst().orElse(services.get(0));
                throw new ServiceBusyException("service " + busy + " is being deployed by release " + holder.get()
                        + "; wait for it to finish, queue behind it with --queue, or run: glidepath abort " + holder.get(), holder.get());
            }
            store.createRelease(record);
            emit(id, new ReleaseEvent.Queued(seams.clock().now(), null, "release " + id + " queued behind release " + holder.get()
                    + " (it holds some of the same services)", holder.get()));
            this.queue.add(new Waiting(record, spec, baseDir));
            return record;
        }
        store.createRelease(record);
        start(record, spec, baseDir);
        return record;
    }

    private void start(ReleaseRecord record, ReleaseSpec spec, Path baseDir) {
        Running r = running(record, spec, Map.of());
        List<List<ServiceSpec>> waves = spec.waves();
        emit(record.id(), new ReleaseEvent.Submitted(seams.clock().now(), null, "release " + record.id() + " submitted by " + record.submittedBy()
                + ": " + String.join(", ", spec.services().stream().map(s -> s.name() + " " + s.version()).toList())
                + (waves.size() > 1 ? " in " + waves.size() + " waves" : ""), record.services(),
                waves.stream().map(w -> w.stream().map(ServiceSpec::name).toList()).toList()));
        Thread t = Thread.ofVirtual().name("release-" + record.id()).start(() -> run(r, spec, baseDir, waves, 0));
        threads.add(t);
    }

    private Running running(ReleaseRecord record, ReleaseSpec spec, Map<String, ServiceDeployment.Resume> resumeAt) {
        Running r = new Running(record, resumeAt);
        List<List<ServiceSpec>> waves = spec.waves();
        for (int w = 0; w < waves.size(); w++) {
            for (ServiceSpec s : waves.get(w)) {
                r.waveOf.put(s.name(), w + 1);
                r.versionOf.put(s.name(), s.version());
            }
        }
        running.put(record.id(), r);
        return r;
    }

    /**
     * Goes on with a release a stopped server left unfinished, where its journal proves it safe (the
     * server's recovery decides that; the release still holds its services). Waves journaled done
     * are not run again; services the release had promoted ({@code resumeAt} reached DONE) join it
     * as promoted, to flip back if it rolls back; the others go on from their point, or start when
     * they have none. Returns at once; the release runs on its own thread like any other.
     */
    public void resume(ReleaseRecord record, ReleaseSpec spec, Path baseDir, int wavesDone, Map<String, ServiceDeployment.Resume> resumeAt) {
        Running r = running(record, spec, resumeAt);
        List<List<ServiceSpec>> waves = spec.waves();
        for (ServiceSpec s : spec.services()) {
            ServiceDeployment.Resume at = resumeAt.get(s.name());
            if (at != null && at.reached() == Phase.DONE) {
                ServiceDeployment d = ServiceDeployment.promotedBeforeRestart(seams.withEvents(e -> emit(record.id(), e)), s, baseDir, current(s.name()), at);
                r.deployments.put(s.name(), d);
                r.promoted.add(d);
            }
        }
        emit(record.id(), new ReleaseEvent.Note(seams.clock().now(), null, "the server restarted while release " + record.id() + " ran: its "
                + "journal and what runs agree, so it goes on where it was" + (waves.size() > 1 ? ", at wave " + Math.min(wavesDone + 1, waves.size())
                + " of " + waves.size() : "")));
        Thread t = Thread.ofVirtual().name("release-" + record.id()).start(() -> run(r, spec, baseDir, waves, wavesDone));
        threads.add(t);
    }

    private void run(Running r, ReleaseSpec spec, Path baseDir, List<List<ServiceSpec>> waves, int wavesDone) {
        String id = r.record.id();
        String failure = null;
        boolean changed = !r.promoted.isEmpty();
        try {
            for (int w = wavesDone; w < waves.size() && failure == null; w++) {
                List<ServiceSpec> wave = waves.get(w);
                List<String> names = wave.stream().map(ServiceSpec::name).toList();
                if (r.abortReason != null) {
                    failure = r.abortReason;
                    break;
                }
                if (waves.size() > 1) {
                    emit(id, new ReleaseEvent.WaveChanged(seams.clock().now(), null, "wave " + (w + 1) + " of " + waves.size() + ": "
                            + String.join(", ", names), w + 1, names, "STARTED"));
                }
                failure = runWave(r, wave, spec.maxParallel(), baseDir);
                changed |= r.deployments.values().stream().anyMatch(d -> d.phase() != Phase.UNCHANGED);
                if (failure == null && changed && !spec.verify().isEmpty()) {
                    failure = verify(r, spec, w + 1);
                }
                if (failure == null && waves.size() > 1) {
                    emit(id, new ReleaseEvent.WaveChanged(seams.clock().now(), null, "wave " + (w + 1) + " done", w + 1, names, "DONE"));
                }
                if (failure != null && w + 1 < waves.size()) {
                    List<String> left = waves.subList(w + 1, waves.size()).stream().flatMap(List::stream).map(ServiceSpec::name).toList();
                    emit(id, new ReleaseEvent.Note(seams.clock().now(), null, "not deployed: " + String.join(", ", left)));
                }
            }
        } catch (RuntimeException e) {
            log.error("release {} failed", id, e);
            failure = "internal error: " + e.getMessage();
        }
        List<ServiceDeployment> promoted;
        synchronized (r) {
            promoted = List.copyOf(r.promoted);
        }
        Outcome outcome;
        if (failure != null) {
            // a failing service began the flip already; a failed verify check or an abort between waves begins it here
            flipBack(r, failure, seams.clock().now());
            retireNew(promoted, failure);
            outcome = Outcome.ROLLED_BACK;
        } else {
            outcome = promoted.isEmpty() ? Outcome.UNCHANGED : Outcome.PROMOTED;
            for (ServiceDeployment d : promoted) {
                store.saveService(new ServiceRecord(d.service(), d.version(), d.previousVersion(), id, seams.clock().now()));
            }
        }
        finish(r, outcome, failure);
        if (outcome == Outcome.PROMOTED) {
            // keepPrevious counts from the end of the release, for every service at once
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
    }

    /**
     * Deploys a wave, {@code maxParallel} at a time (0: all). The first failure stops the wave:
     * services not started yet are not, services still deploying are aborted (they roll back),
     * and as soon as the failing service's own traffic is back, the services promoted earlier in
     * the release flip back too (see {@link #flipBack}). Returns the failure, or null.
     */
    private String runWave(Running r, List<ServiceSpec> wave, int maxParallel, Path baseDir) {
        String id = r.record.id();
        Semaphore slots = new Semaphore(maxParallel <= 0 ? wave.size() : maxParallel);
        CopyOnWriteArrayList<String> failures = new CopyOnWriteArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ServiceSpec svc : wave) {
                ex.submit(() -> {
                    try {
                        slots.acquire();
                    } catch (InterruptedException e) {
                        return;
                    }
                    try {
                        if (!failures.isEmpty() || r.abortReason != null) {
                            emit(id, new ReleaseEvent.Note(seams.clock().now(), svc.name(), "not started: the release is rolling back"));
                            return;
                        }
                        if (r.deployments.containsKey(svc.name())) {
                            return; // promoted before the server restarted
                        }
                        ServiceDeployment d = new ServiceDeployment(seams.withEvents(e -> emit(id, e)), svc, baseDir, current(svc.name()),
                                Optional.ofNullable(r.resumeAt.get(svc.name())));
                        d.onRollback((reason, decided) -> {
                            String why = svc.name() + ": " + reason;
                            failures.addIfAbsent(why);
                            flipBack(r, why, decided);
                        });
                        r.deployments.put(svc.name(), d);
                        if (r.abortReason != null) {
                            d.abort(r.abortReason);
                        }
                        ServiceDeployment.Result res = d.run();
                        if (res.outcome() == Outcome.PROMOTED) {
                            promoted(r, d);
                        } else if (res.outcome() == Outcome.ROLLED_BACK) {
                            failures.addIfAbsent(svc.name() + ": " + res.reason());
                        }
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        // an abort that came while the wave ran, or before it started anything, fails the release too
        return !failures.isEmpty() ? failures.get(0) : r.abortReason;
    }

    /** Records a promoted service; when the release is already flipping back, this one flips back now. */
    private void promoted(Running r, ServiceDeployment d) {
        String flipping;
        synchronized (r) {
            r.promoted.add(d);
            flipping = r.flipReason;
        }
        if (flipping != null) {
            d.restoreTraffic(flipping);
        }
    }

    /**
     * The release's verify checks through the router after {@code wave}; the first failure, or null.
     * A check whose path is served by a service of this release deployed for the first time in a
     * later wave waits for that wave (there is nothing to answer it yet); after the last wave every
     * check runs.
     */
    private String verify(Running r, ReleaseSpec spec, int wave) {
        String id = r.record.id();
        for (HttpCheck c : spec.verify()) {
            Optional<ServiceSpec> server = servedBy(spec, c);
            if (server.isPresent() && r.waveOf.getOrDefault(server.get().name(), 0) > wave && current(server.get().name()).version().isEmpty()) {
                emit(id, new ReleaseEvent.Note(seams.clock().now(), null, "verify check '" + c.name() + "' waits after wave " + wave + ": "
                        + server.get().name() + ", which answers " + c.path() + ", arrives in wave " + r.waveOf.get(server.get().name())));
                continue;
            }
            Prober.Result res = seams.prober().check(seams.router().entry(), c, Map.of());
            String msg = "verify check '" + c.name() + "' " + (res.passed() ? "passed" : "failed") + " after wave " + wave + ": " + c.method() + " "
                    + c.path() + " -> " + res.detail();
            emit(id, new ReleaseEvent.CheckResult(seams.clock().now(), null, msg, c.name(), "the router", res.passed()));
            if (!res.passed()) {
                return msg;
            }
        }
        return null;
    }

    /** The release's service whose route takes the check's request: a named host before any host, then the longest path prefix. */
    static Optional<ServiceSpec> servedBy(ReleaseSpec spec, HttpCheck check) {
        String host = check.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Host")).map(Map.Entry::getValue)
                .findFirst().map(h -> h.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT)).orElse("");
        String path = check.path().replaceFirst("[?#].*$", "");
        return spec.services().stream()
                .filter(s -> s.route().match().matchesHost(host) && s.route().match().matchesPath(path))
                .max(Comparator.comparing((ServiceSpec s) -> s.route().match().host() == null ? 0 : s.route().match().isWildcardHost() ? 1 : 2)
                        .thenComparing(s -> s.route().match().pathPrefix().length()));
    }

    /**
     * Atomic rollback, traffic part, done once per release: the services still deploying roll back
     * (the last in dependency order), then every service the release promoted flips back to its
     * previous version, wave by wave from the last (one route update each; a wave's services
     * together, as they do not depend on each other). Runs on the failing service's thread as soon
     * as its own traffic is back, so the release is on its previous versions within a second of
     * {@code decided}, while the failing version still drains.
     */
    private void flipBack(Running r, String reason, Instant decided) {
        String id = r.record.id();
        List<ServiceDeployment> flip;
        synchronized (r) {
            if (r.flipReason != null) {
                return;
            }
            r.flipReason = reason;
            flip = new ArrayList<>(r.promoted);
        }
        for (ServiceDeployment d : r.deployments.values()) {
            d.abort(RELEASE_ROLLING_BACK + reason);
        }
        try {
            for (ServiceDeployment d : r.deployments.values()) {
                if (!flip.contains(d) && d.phase() != Phase.UNCHANGED && d.phase() != Phase.DONE && !d.awaitTrafficBack(Duration.ofSeconds(2))) {
                    log.warn("release {}: {} took over 2 s to put its traffic back; flipping the rest anyway", id, d.service());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (flip.isEmpty()) {
            return;
        }
        emit(id, new ReleaseEvent.RollbackDecided(seams.clock().now(), null, "rolling the release back: " + flip.size() + " promoted service"
                + (flip.size() == 1 ? "" : "s") + " flip back to their previous versions, in reverse order", reason));
        flip.sort((a, b) -> Integer.compare(r.waveOf.getOrDefault(b.service(), 0), r.waveOf.getOrDefault(a.service(), 0)));
        int i = 0;
        while (i < flip.size()) {
            int wave = r.waveOf.getOrDefault(flip.get(i).service(), 0);
            List<ServiceDeployment> same = new ArrayList<>();
            while (i < flip.size() && r.waveOf.getOrDefault(flip.get(i).service(), 0) == wave) {
                same.add(flip.get(i++));
            }
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                same.forEach(d -> ex.submit(() -> d.restoreTraffic(reason)));
            }
        }
        Duration took = seams.clock().since(decided);
        emit(id, new ReleaseEvent.TrafficRestored(seams.clock().now(), null, "every service of the release is back on its previous version "
                + took.toMillis() + " ms after the decision", took.toMillis()));
    }

    /** Atomic rollback, second part: the promoted services' new instances drain and stop. */
    private void retireNew(List<ServiceDeployment> promoted, String reason) {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            promoted.forEach(d -> ex.submit(() -> d.retireNew(reason)));
        }
    }

    private void finish(Running r, Outcome outcome, String reason) {
        String id = r.record.id();
        Instant at = seams.clock().now();
        store.updateRelease(r.record.finish(outcome, reason, at));
        store.unlock(r.record.services(), id);
        String message = switch (outcome) {
            case PROMOTED -> "release " + id + " promoted";
            case ROLLED_BACK -> "release " + id + " rolled back: " + reason;
            case UNCHANGED -> "release " + id + ": every service already ran its version; nothing changed";
            case FAILED -> "release " + id + " failed: " + reason;
            case CANCELLED -> "release " + id + " cancelled: " + reason;
        };
        emit(id, new ReleaseEvent.Finished(at, null, message, outcome, reason));
        synchronized (running) {
            running.remove(id);
            running.notifyAll();
        }
        startQueued();
    }

    /** Starts queued releases whose services are free now, in the order they were submitted. */
    private synchronized void startQueued() {
        if (closing) {
            return;
        }
        for (var it = queue.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (store.lock(w.record().services(), w.record().id()).isEmpty()) {
                it.remove();
                emit(w.record().id(), new ReleaseEvent.Note(seams.clock().now(), null, "its services are free: starting"));
                start(w.record(), w.spec(), w.baseDir());
            }
        }
    }

    /** The version serving a service now and its live instances. */
    private ServiceDeployment.Current current(String service) {
        Optional<ServiceRecord> rec = store.service(service);
        if (rec.isEmpty()) {
            return ServiceDeployment.Current.none();
        }
        String version = rec.get().currentVersion();
        List<Instance> live = seams.platform().list(service).stream().filter(i -> i.version().equals(version)).toList();
        return new ServiceDeployment.Current(Optional.of(version), live);
    }

    /** Lets a manual pause of the release go on (every service paused in it). False when it is not running. */
    public boolean promote(String releaseId) {
        Running r = running.get(releaseId);
        if (r == null) {
            return false;
        }
        r.deployments.values().forEach(ServiceDeployment::promote);
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
        Running r = running.get(releaseId);
        if (r == null) {
            return false;
        }
        r.abortReason = ABORTED_BY + who;
        r.deployments.values().forEach(d -> d.abort(r.abortReason));
        return true;
    }

    public boolean isRunning(String releaseId) {
        return running.containsKey(releaseId);
    }

    public synchronized boolean isQueued(String releaseId) {
        return queue.stream().anyMatch(w -> w.record().id().equals(releaseId));
    }

    /** The release a queued release waits for now (one holding some of its services). */
    public synchronized Optional<String> queuedBehind(String releaseId) {
        return queue.stream().filter(w -> w.record().id().equals(releaseId)).findFirst()
                .flatMap(w -> w.record().services().stream().map(store::holder).flatMap(Optional::stream).findFirst());
    }

    private synchronized boolean cancelQueued(String releaseId, String reason) {
        Optional<Waiting> w = queue.stream().filter(x -> x.record().id().equals(releaseId)).findFirst();
        if (w.isEmpty()) {
            return false;
        }
        queue.remove(w.get());
        Instant at = seams.clock().now();
        store.updateRelease(w.get().record().finish(Outcome.CANCELLED, reason, at));
        emit(releaseId, new ReleaseEvent.Finished(at, null, "release " + releaseId + " cancelled: " + reason, Outcome.CANCELLED, reason));
        return true;
    }

    /** Each service of a running release: its wave and phase (PENDING while its wave waits). */
    public Map<String, ServiceStatus> phases(String releaseId) {
        Running r = running.get(releaseId);
        Map<String, ServiceStatus> m = new LinkedHashMap<>();
        if (r != null) {
            r.waveOf.forEach((s, w) -> m.put(s, new ServiceStatus(w, Optional.ofNullable(r.deployments.get(s)).map(ServiceDeployment::phase)
                    .orElse(Phase.PENDING))));
        }
        return m;
    }

    /** A service's place in a running release. */
    public record ServiceStatus(int wave, Phase phase) {
    }

    /**
     * The releases in progress, as a live view shows them: the running ones, oldest first, then
     * the queued ones in the order they will start; each service with its wave, phase and the
     * version it deploys (a queued release's services are all PENDING).
     */
    public List<InProgress> inProgress() {
        List<InProgress> out = new ArrayList<>();
        running.values().stream().sorted(Comparator.comparing((Running r) -> r.record.submitted()).thenComparing(r -> r.record.id())).forEach(r -> {
            List<ServiceInProgress> services = new ArrayList<>();
            r.waveOf.forEach((s, w) -> services.add(new ServiceInProgress(s, w, Optional.ofNullable(r.deployments.get(s))
                    .map(ServiceDeployment::phase).orElse(Phase.PENDING), r.versionOf.get(s))));
            out.add(new InProgress(r.record, false, services));
        });
        List<Waiting> waiting;
        synchronized (this) {
            waiting = List.copyOf(queue);
        }
        for (Waiting w : waiting) {
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
    public record InProgress(ReleaseRecord record, boolean queued, List<ServiceInProgress> services) {
        public InProgress {
            services = List.copyOf(services);
        }
    }

    /** One service of a release in progress. */
    public record ServiceInProgress(String name, int wave, Phase phase, String version) {
    }

    /** Journals, then tells the followers. */
    private void emit(String releaseId, ReleaseEvent e) {
        long seq = store.append(releaseId, e);
        failpoint.ifPresent(f -> f.after(releaseId, e));
        StoredEvent stored = new StoredEvent(releaseId, seq, e);
        log.info("[{}] {}", releaseId, e.message());
        for (Consumer<StoredEvent> f : followers.getOrDefault(releaseId, List.of())) {
            try {
                f.accept(stored);
            } catch (RuntimeException ex) {
                log.warn("a follower of release {} failed", releaseId, ex);
            }
        }
        for (Consumer<StoredEvent> f : followersOfAll) {
            try {
                f.accept(stored);
            } catch (RuntimeException ex) {
                log.warn("a follower of every release failed on an event of release {}", releaseId, ex);
            }
        }
    }

    /**
     * True when a service's rollback {@code reason} was asked from outside the service (an abort,
     * or its release rolling back for another service or a verify check); false when the service
     * itself failed (readiness, smoke tests, analysis, a dying instance, the platform, the router).
     */
    public static boolean askedFromOutside(String reason) {
        return reason != null && (reason.startsWith(ABORTED_BY) || reason.startsWith(RELEASE_ROLLING_BACK));
    }

    /** Calls {@code follower} with each new event of the release; returns a handle to stop. */
    public Runnable follow(String releaseId, Consumer<StoredEvent> follower) {
        followers.computeIfAbsent(releaseId, k -> new CopyOnWriteArrayList<>()).add(follower);
        return () -> followers.getOrDefault(releaseId, List.of()).remove(follower);
    }

    /**
     * Calls {@code follower} with each new event of every release (the notifier), on the thread
     * that journaled it, after the release's own followers: it must return at once. Returns a
     * handle to stop.
     */
    public Runnable followAll(Consumer<StoredEvent> follower) {
        followersOfAll.add(follower);
        return () -> followersOfAll.remove(follower);
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
     * Stops the engine: releases in progress roll back (traffic first), and this waits for them,
     * up to a minute; keep-warm retirements end (their instances stay, adopted later).
     */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
            List.copyOf(queue).forEach(w -> cancelQueued(w.record().id(), "the server stopped while it waited in the queue; nothing was deployed"));
        }
        running.keySet().forEach(id -> abort(id, "the server stopping"));
        long end = System.nanoTime() + Duration.ofMinutes(1).toNanos();
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
