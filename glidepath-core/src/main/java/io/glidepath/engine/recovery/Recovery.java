package io.glidepath.engine.recovery;

import io.glidepath.engine.ResumePoint;
import io.glidepath.engine.internal.EventSink;
import io.glidepath.engine.internal.Retirement;
import io.glidepath.engine.internal.TrafficRollback;
import io.glidepath.engine.recovery.RecoveryDecision.Route;
import io.glidepath.engine.recovery.RecoveryDecision.ServiceBack;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a starting server does with what a previous server left behind, before it takes new work:
 * for each unfinished release, oldest first, {@link RecoveryPlanner} decides from its journal and
 * what runs, and this carries the decision out with the engine's own sequences (traffic back in one
 * update per service, {@link TrafficRollback}; drain then stop, {@link Retirement}). Recovery itself
 * never starts anything: a release that goes on is handed back ({@link ResumableRelease}) for the
 * engine to resume. Finally it sweeps: instances of versions no service runs any more (kept-warm
 * versions whose retirement the crash interrupted) leave the routes and stop.
 */
public final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** A release to go on with, from the points its journal proves. */
    public record ResumableRelease(ReleaseRecord record, ReleaseSpec spec, int wavesDone, Map<String, ResumePoint> resumeAt) {
        public Path baseDir() {
            return Path.of(record.baseDir());
        }
    }

    private final Store store;
    private final Platform platform;
    private final TrafficRouter router;
    private final Clock clock;
    private final Consumer<StoredEvent> journaled;
    private final TrafficRollback trafficRollback;
    private final Retirement retirement;

    /** {@code journaled} hears of each event recovery journals (the server's metrics, its notifier). */
    public Recovery(Store store, Platform platform, TrafficRouter router, Clock clock, Consumer<StoredEvent> journaled) {
        this.store = store;
        this.platform = platform;
        this.router = router;
        this.clock = clock;
        this.journaled = journaled;
        this.trafficRollback = new TrafficRollback(router, clock);
        this.retirement = new Retirement(router, platform, clock);
    }

    private EventSink journal(String releaseId) {
        return e -> journaled.accept(new StoredEvent(releaseId, store.append(releaseId, e), e));
    }

    /**
     * Finishes every release a previous server left unfinished, oldest first, then sweeps what they
     * left. Returns the releases to go on with (the engine resumes them).
     */
    public List<ResumableRelease> recoverUnfinished() throws TrafficException {
        List<ResumableRelease> goOn = new ArrayList<>();
        List<ReleaseRecord> all = new ArrayList<>(store.releases(1000));
        all.sort(Comparator.comparing(ReleaseRecord::submitted));
        for (ReleaseRecord r : all) {
            ReleaseHistory h = ReleaseHistory.of(store.events(r.id(), 0));
            if (r.isFinished()) {
                if (h.finished().isEmpty()) {
                    // finished in the store, but the server died before its last event: followers wait for it
                    journal(r.id()).emit(new ReleaseEvent.Finished(clock.now(), null, "release " + r.id() + " ended " + r.outcome().orElseThrow()
                            + r.reason().map(x -> ": " + x).orElse(""), r.outcome().orElseThrow(), r.reason().orElse(null), null));
                }
                continue;
            }
            Optional<ReleaseSpec> spec = readSpec(r, h);
            Observed world = Observed.read(r.services(), platform, router, store);
            switch (RecoveryPlanner.decide(r, h, spec, world)) {
                case RecoveryDecision.Cancel c -> end(r, Outcome.CANCELLED, c.reason(), null, "release " + r.id() + " cancelled: " + c.reason());
                case RecoveryDecision.Unchanged u -> end(r, Outcome.UNCHANGED, null, null,
                        "release " + r.id() + ": every service already ran its version; nothing changed");
                case RecoveryDecision.FinishPromotion f -> finishPromotion(r, spec.orElseThrow(), world);
                case RecoveryDecision.Resume go -> {
                    // the engine journals that it goes on, and from where
                    log.warn("release {} was left unfinished by a stopped server: going on with it", r.id());
                    goOn.add(new ResumableRelease(r, spec.orElseThrow(), go.wavesDone(), go.resumeAt()));
                }
                case RecoveryDecision.RollBack back -> rollBack(r, back);
                case RecoveryDecision.FinishStop stop -> finishStop(r, spec.orElseThrow(), stop, world);
            }
        }
        Set<String> resumed = new HashSet<>();
        goOn.forEach(g -> resumed.addAll(g.record().services()));
        sweep(resumed);
        return goOn;
    }

    /** The release as it ran: its file, with what {@code strategy: auto} became as journaled at submission. */
    private static Optional<ReleaseSpec> readSpec(ReleaseRecord r, ReleaseHistory h) {
        try {
            return Optional.of(r.spec().withChosenStrategies(h.chosenStrategies()));
        } catch (InvalidSpecException e) {
            return Optional.empty(); // accepted by an older Glidepath: the planner rolls it back
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // an auto strategy with no choice journaled: nothing says how it ran, so it is rolled back
        }
    }

    // --- the release had done its work: finish it ---------------------------------------------------

    private void finishPromotion(ReleaseRecord r, ReleaseSpec spec, Observed world) throws TrafficException {
        log.warn("release {} had promoted every service when its server stopped: finishing it", r.id());
        EventSink events = journal(r.id());
        events.emit(new ReleaseEvent.Note(clock.now(), null, "the server restarted after every service of this release was promoted and "
                + "watched: finishing it"));
        for (ServiceSpec s : spec.services()) {
            Optional<ServiceRecord> rec = world.record(s.name());
            if (rec.isEmpty() || !rec.get().currentVersion().equals(s.version())) {
                store.saveService(new ServiceRecord(s.name(), s.version(), RecoveryPlanner.versionBefore(rec, r), r.id(), clock.now()));
            }
            // the previous version was kept warm for a flip back that can no longer come: it retires now
            List<Instance> others = world.live(s.name()).stream().filter(i -> !i.version().equals(s.version())).toList();
            clearSpareTracks(world.route(s.name()));
            retirement.drainThenStop(s.name(), others, s.route().drainTimeout(), s.run().stopGrace(),
                    "retired " + others.size() + " instances of the version before the release", events);
        }
        end(r, Outcome.PROMOTED, null, null, "release " + r.id() + " promoted (finished by the restarted server)");
    }

    // --- anything else: roll the release back --------------------------------------------------------

    private void rollBack(ReleaseRecord r, RecoveryDecision.RollBack back) {
        log.warn("release {} was left unfinished by a stopped server: rolling it back ({})", r.id(), back.reason());
        EventSink events = journal(r.id());
        Instant decided = clock.now();
        events.emit(new ReleaseEvent.Note(decided, null, "the server restarted while this release ran: "
                + (back.finishing() ? "finishing the rollback it had begun" : "rolling it back: " + back.reason())));
        if (!back.finishing()) {
            events.emit(new ReleaseEvent.RollbackDecided(clock.now(), null, "rolling the release back: every service goes back to the "
                    + "version it ran before", back.reason(), RollbackCause.SERVER_RESTARTED));
        }
        List<String> stuck = putBack(r, back.services(), back.reason(), decided, events);
        if (stuck.isEmpty()) {
            String why = back.reason() + "; every service is back on its previous version";
            end(r, Outcome.ROLLED_BACK, why, RollbackCause.SERVER_RESTARTED, "release " + r.id() + " rolled back: " + why);
        } else {
            String why = back.reason() + "; could not roll back " + String.join(", ", stuck);
            end(r, Outcome.FAILED, why, RollbackCause.SERVER_RESTARTED, "release " + r.id() + " failed: " + why);
        }
    }

    /**
     * Each service back to its previous version, routes first (in order), then their leaving
     * instances drain and stop; returns the services that could not go back (no live instance).
     */
    private List<String> putBack(ReleaseRecord r, List<ServiceBack> services, String reason, Instant decided, EventSink events) {
        List<String> stuck = new ArrayList<>();
        int restored = 0;
        for (ServiceBack s : services) {
            switch (s.route()) {
                case Route.Stuck x -> {
                    stuck.add(s.service() + " (no live instance of " + s.target().orElse("?") + ")");
                    events.emit(new ReleaseEvent.Note(clock.now(), s.service(), "cannot go back to " + s.target().orElse("?") + ": none of its "
                            + "instances is alive; the route is left as it is"));
                    continue;
                }
                case Route.Restore x -> trafficRollback.restore(s.service(), s.target(), Optional.of(x.spec()), decided, events);
                case Route.Remove x -> trafficRollback.restore(s.service(), Optional.empty(), Optional.empty(), decided, events);
                case Route.Absent x -> events.emit(new ReleaseEvent.Note(clock.now(), s.service(), "no route to put back"));
            }
            restored++;
            if (s.resetRecord()) {
                s.target().ifPresentOrElse(
                        v -> store.saveService(new ServiceRecord(s.service(), v, Optional.empty(), r.id(), clock.now())),
                        () -> log.warn("{} had no version before release {}; its record keeps the release's version", s.service(), r.id()));
            }
        }
        if (restored > 1) {
            long ms = clock.since(decided).toMillis();
            events.emit(new ReleaseEvent.TrafficRestored(clock.now(), null, "every service of the release is back on its previous version "
                    + ms + " ms after the restart's decision", ms));
        }
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ServiceBack s : services) {
                if (s.route() instanceof Route.Stuck) {
                    continue;
                }
                ex.submit(() -> {
                    retirement.drainThenStop(s.service(), s.leaving(), s.drainTimeout(), s.stopGrace(), "stopped " + s.leaving().size()
                            + " instances left by the release", events);
                    if (s.markRolledBack()) {
                        events.emit(new ReleaseEvent.PhaseChanged(clock.now(), s.service(), s.service() + " rolled back: " + reason,
                                Phase.ROLLED_BACK, s.version()));
                    }
                });
            }
        }
        return stuck;
    }

    // --- a fleet's budget exceeded with then: keep: finish the stop --------------------------------------

    private void finishStop(ReleaseRecord r, ReleaseSpec spec, RecoveryDecision.FinishStop stop, Observed world) throws TrafficException {
        log.warn("release {} had stopped at a fleet's failure budget when its server stopped: finishing the stop", r.id());
        EventSink events = journal(r.id());
        Instant decided = clock.now();
        events.emit(new ReleaseEvent.Note(decided, null, "the server restarted after the release stopped at its failure budget: customers "
                + "promoted keep the new version (" + stop.kept().size() + "), the others go back"));
        List<String> stuck = putBack(r, stop.services(), stop.reason(), decided, events);
        for (String name : stop.kept()) {
            ServiceSpec s = spec.service(name).orElseThrow();
            Optional<ServiceRecord> rec = world.record(name);
            if (rec.isEmpty() || !rec.get().currentVersion().equals(s.version())) {
                store.saveService(new ServiceRecord(name, s.version(), RecoveryPlanner.versionBefore(rec, r), r.id(), clock.now()));
            }
            List<Instance> others = world.live(name).stream().filter(i -> !i.version().equals(s.version())).toList();
            clearSpareTracks(world.route(name));
            retirement.drainThenStop(name, others, s.route().drainTimeout(), s.run().stopGrace(),
                    "retired " + others.size() + " instances of the version before the release", events);
        }
        String why = stop.reason() + (stuck.isEmpty() ? "" : "; could not roll back " + String.join(", ", stuck));
        end(r, stuck.isEmpty() ? Outcome.STOPPED : Outcome.FAILED, why, RollbackCause.SERVER_RESTARTED,
                "release " + r.id() + (stuck.isEmpty() ? " stopped: " : " failed: ") + why);
    }

    // --- the sweep -----------------------------------------------------------------------------------

    /**
     * Instances of a version the service no longer runs, outside any release (none runs while the
     * server starts): kept-warm versions whose retirement a crash interrupted, or instances of a
     * service that never got a version. They leave the route's spare tracks, then stop.
     */
    private void sweep(Set<String> resumed) throws TrafficException {
        Set<String> services = new HashSet<>();
        for (Instance i : store.instances()) {
            if (platform.isAlive(i)) {
                services.add(i.service());
            } else {
                // it died while no server watched (or was stopped by one that died before forgetting it)
                store.remove(i.id());
            }
        }
        // a platform that keeps its own record (Kubernetes labels) knows instances the registry never saw
        store.services().forEach(s -> services.add(s.name()));
        services.addAll(platform.services());
        services.removeAll(resumed); // a release going on needs its instances, old and new
        Observed world = Observed.read(services, platform, router, store);
        for (String service : services) {
            Set<EndpointAddress> stable = world.route(service).map(rs -> Set.copyOf(rs.spec().stable())).orElse(Set.of());
            Optional<ServiceRecord> rec = world.record(service);
            List<Instance> stray = world.live(service).stream()
                    .filter(i -> rec.map(x -> !x.currentVersion().equals(i.version())).orElse(true))
                    .filter(i -> !stable.contains(i.address()))
                    .toList();
            if (stray.isEmpty()) {
                continue;
            }
            log.warn("stopping {} instances of {} that no release needs any more: {}", stray.size(), service, stray.stream().map(Instance::id).toList());
            clearSpareTracks(world.route(service));
            retirement.drainThenStop(service, stray, RouteSpec.DEFAULT_DRAIN_TIMEOUT, Retirement.DEFAULT_STOP_GRACE, "stopped strays",
                    e -> log.info("{}: {}", service, e.message()));
        }
    }

    /** The route without its canary and preview tracks (what is left there no release needs). */
    private void clearSpareTracks(Optional<RouteState> route) throws TrafficException {
        if (route.isPresent() && (!route.get().spec().preview().isEmpty() || !route.get().spec().canary().isEmpty())) {
            try {
                router.apply(route.get().spec().withCanary(List.of()).withPreview(List.of()).withCanaryWeight(0), OptionalLong.empty());
            } catch (StaleRouteException e) {
                throw new IllegalStateException("a route update without a generation check was refused as stale", e);
            }
        }
    }

    private void end(ReleaseRecord r, Outcome outcome, String reason, RollbackCause cause, String message) {
        store.updateRelease(r.finish(outcome, reason, clock.now()));
        store.unlock(r.services(), r.id());
        journal(r.id()).emit(new ReleaseEvent.Finished(clock.now(), null, message, outcome, reason, cause));
    }
}
