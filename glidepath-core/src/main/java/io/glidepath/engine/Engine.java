package io.glidepath.engine;

import io.glidepath.platform.Instance;
import io.glidepath.spec.DependencyGraph;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.store.StoredEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
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
 * Runs releases. A release takes its services (refused, naming the holder, when another release
 * has one), journals every event before the step it announces, deploys its services in dependency
 * order, one at a time, and ends PROMOTED, ROLLED_BACK or UNCHANGED. Each release runs on its own
 * virtual thread; releases on disjoint services run side by side.
 */
public final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final ServiceDeployment.Seams seams;
    private final Store store;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Map<String, List<Consumer<StoredEvent>>> followers = new ConcurrentHashMap<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    /** A release in progress: its deployments (the one running, and those done). */
    private static final class Running {
        final ReleaseRecord record;
        final List<ServiceDeployment> deployments = new CopyOnWriteArrayList<>();
        volatile ServiceDeployment current;
        volatile String abortReason;

        Running(ReleaseRecord record) {
            this.record = record;
        }
    }

    public Engine(ServiceDeployment.Seams seams, Store store) {
        this.seams = seams;
        this.store = store;
    }

    /** Takes a checked release and starts it; returns its record at once. */
    public ReleaseRecord submit(ReleaseSpec spec, String file, String source, Path baseDir, String submittedBy) throws ServiceBusyException {
        List<String> services = spec.services().stream().map(ServiceSpec::name).toList();
        String id = spec.name().orElseGet(() -> services.get(0) + "-" + ID_TIME.format(seams.clock().now()) + "-" + shortRandom());
        if (store.release(id).isPresent()) {
            throw new ServiceBusyException("release " + id + " already exists; name the new one differently or leave 'release:' out", id);
        }
        Optional<String> holder = store.lock(services, id);
        if (holder.isPresent()) {
            String busy = services.stream().filter(s -> store.holder(s).filter(holder.get()::equals).isPresent()).findFirst().orElse(services.get(0));
            throw new ServiceBusyException("service " + busy + " is being deployed by release " + holder.get()
                    + "; wait for it to finish or run: glidepath abort " + holder.get(), holder.get());
        }
        ReleaseRecord record = new ReleaseRecord(id, file, source, baseDir.toString(), services, submittedBy, seams.clock().now(),
                Optional.empty(), Optional.empty(), Optional.empty());
        store.createRelease(record);
        Running r = new Running(record);
        running.put(id, r);
        emit(id, new ReleaseEvent.Submitted(seams.clock().now(), null, "release " + id + " submitted by " + submittedBy + ": "
                + String.join(", ", spec.services().stream().map(s -> s.name() + " " + s.version()).toList()), services));
        Thread t = Thread.ofVirtual().name("release-" + id).start(() -> run(r, spec, baseDir));
        threads.add(t);
        return record;
    }

    private void run(Running r, ReleaseSpec spec, Path baseDir) {
        String id = r.record.id();
        Outcome outcome = Outcome.UNCHANGED;
        String reason = null;
        List<ServiceDeployment> promoted = new ArrayList<>();
        try {
            List<String> order = DependencyGraph.of(spec.services()).order();
            for (String name : order) {
                ServiceSpec svc = spec.service(name).orElseThrow();
                if (r.abortReason != null) {
                    emit(id, new ReleaseEvent.Note(seams.clock().now(), name, "not started: the release was aborted"));
                    outcome = Outcome.ROLLED_BACK;
                    reason = r.abortReason;
                    break;
                }
                ServiceDeployment d = new ServiceDeployment(seams.withEvents(e -> emit(id, e)), svc, baseDir, current(name));
                r.deployments.add(d);
                r.current = d;
                if (r.abortReason != null) {
                    d.abort(r.abortReason);
                }
                ServiceDeployment.Result res = d.run();
                switch (res.outcome()) {
                    case PROMOTED -> {
                        Optional<String> previous = store.service(name).map(ServiceRecord::currentVersion);
                        store.saveService(new ServiceRecord(name, svc.version(), previous, id, seams.clock().now()));
                        promoted.add(d);
                        outcome = Outcome.PROMOTED;
                    }
                    case ROLLED_BACK -> {
                        outcome = Outcome.ROLLED_BACK;
                        reason = name + ": " + res.reason();
                    }
                    default -> {
                        // unchanged: nothing to record
                    }
                }
                if (outcome == Outcome.ROLLED_BACK) {
                    List<String> left = order.subList(order.indexOf(name) + 1, order.size());
                    if (!left.isEmpty()) {
                        emit(id, new ReleaseEvent.Note(seams.clock().now(), null, "not deployed after the rollback: " + String.join(", ", left)));
                    }
                    break;
                }
            }
        } catch (RuntimeException e) {
            log.error("release {} failed", id, e);
            outcome = Outcome.FAILED;
            reason = "internal error: " + e.getMessage();
        }
        finish(r, outcome, reason);
        for (ServiceDeployment d : promoted) {
            try {
                d.retirePrevious();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
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
        };
        emit(id, new ReleaseEvent.Finished(at, null, message, outcome));
        synchronized (running) {
            running.remove(id);
            running.notifyAll();
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

    /** Lets a manual pause of the release go on. False when the release is not running. */
    public boolean promote(String releaseId) {
        Running r = running.get(releaseId);
        if (r == null || r.current == null) {
            return false;
        }
        r.current.promote();
        return true;
    }

    /** Rolls the release back now. False when it is not running (finished or unknown). */
    public boolean abort(String releaseId, String who) {
        Running r = running.get(releaseId);
        if (r == null) {
            return false;
        }
        r.abortReason = "aborted by " + who;
        ServiceDeployment d = r.current;
        if (d != null) {
            d.abort(r.abortReason);
        }
        return true;
    }

    public boolean isRunning(String releaseId) {
        return running.containsKey(releaseId);
    }

    /** The phase of each service of a running release (empty when not running). */
    public Map<String, Phase> phases(String releaseId) {
        Running r = running.get(releaseId);
        Map<String, Phase> m = new java.util.LinkedHashMap<>();
        if (r != null) {
            r.deployments.forEach(d -> m.put(d.service(), d.phase()));
        }
        return m;
    }

    /** Journals, then tells the followers. */
    private void emit(String releaseId, ReleaseEvent e) {
        long seq = store.append(releaseId, e);
        StoredEvent stored = new StoredEvent(releaseId, seq, e);
        log.info("[{}] {}", releaseId, e.message());
        for (Consumer<StoredEvent> f : followers.getOrDefault(releaseId, List.of())) {
            try {
                f.accept(stored);
            } catch (RuntimeException ex) {
                log.warn("a follower of release {} failed", releaseId, ex);
            }
        }
    }

    /** Calls {@code follower} with each new event of the release; returns a handle to stop. */
    public Runnable follow(String releaseId, Consumer<StoredEvent> follower) {
        followers.computeIfAbsent(releaseId, k -> new CopyOnWriteArrayList<>()).add(follower);
        return () -> followers.getOrDefault(releaseId, List.of()).remove(follower);
    }

    private static String shortRandom() {
        byte[] b = new byte[2];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Waits for every release thread to end (tests; the server keeps them running). */
    public void awaitAll(java.time.Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        for (Thread t : threads) {
            long left = end - System.nanoTime();
            if (left > 0) {
                t.join(java.time.Duration.ofNanos(left));
            }
        }
    }

    /**
     * Stops the engine: releases in progress roll back (traffic first), and this waits for them,
     * up to a minute; waits for keep-warm retirements end (their instances stay, adopted later).
     */
    @Override
    public void close() {
        running.keySet().forEach(id -> abort(id, "the server stopping"));
        long end = System.nanoTime() + java.time.Duration.ofMinutes(1).toNanos();
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
