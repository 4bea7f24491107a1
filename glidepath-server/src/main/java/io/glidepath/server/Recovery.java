package io.glidepath.server;

import io.glidepath.engine.Outcome;
import io.glidepath.engine.Phase;
import io.glidepath.engine.ReleaseEvent;
import io.glidepath.engine.ServiceDeployment;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.spec.HttpCheck;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.store.StoredEvent;
import io.glidepath.time.Clock;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * What a starting server does with what a previous server left behind, before it takes new work.
 * It reconciles each unfinished release's journal with what the platform (live instances) and the
 * router (routes) really show, then finishes it:
 * <ul>
 * <li>never started (queued): CANCELLED;</li>
 * <li>every service promoted and watched, the verify checks passed, and the router serving the new
 * versions: the journal proves the release succeeded, so it is finished PROMOTED (the crash came
 * between its last step and its end);</li>
 * <li>no rollback begun, and every instance the journal says it started still running, the versions
 * before the release still running, their routes in place: the release goes on where its journal
 * says it was ({@link Resumable}, handed to the engine once it runs): adopted instances are proven
 * ready again, never restarted; a phase, wave or canary step journaled done is not done again;
 * a bake the crash cut short is watched again in full;</li>
 * <li>anything else (a rollback begun, an instance that died meanwhile): rolled back as a whole, a
 * rollback it had begun is finished. Each service goes back to the version it ran before the release,
 * on the live instances of that version (adopted, never restarted), one route update per service in
 * reverse dependency order; in-flight requests drain; then the release's instances stop.</li>
 * </ul>
 * Recovery itself never starts anything. Finally it sweeps: instances of versions no service runs
 * any more (keep-warm versions whose retirement the crash interrupted) leave the routes and stop.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    private static final Duration DRAIN_POLL = Duration.ofMillis(50);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final Store store;
    private final Platform platform;
    private final TrafficRouter router;
    private final Clock clock;
    private final Consumer<StoredEvent> journaled;

    /** {@code journaled} hears of each event recovery journals (the server's metrics). */
    Recovery(Store store, Platform platform, TrafficRouter router, Clock clock, Consumer<StoredEvent> journaled) {
        this.store = store;
        this.platform = platform;
        this.router = router;
        this.clock = clock;
        this.journaled = journaled;
    }

    private void journal(String releaseId, ReleaseEvent e) {
        long seq = store.append(releaseId, e);
        journaled.accept(new StoredEvent(releaseId, seq, e));
    }

    /** A release to go on with, from the points its journal proves. */
    record Resumable(ReleaseRecord record, ReleaseSpec spec, int wavesDone, Map<String, ServiceDeployment.Resume> resumeAt) {
        Path baseDir() {
            return Path.of(record.baseDir());
        }
    }

    /**
     * Finishes every release a previous server left unfinished, oldest first, then sweeps what they
     * left. Returns the releases to go on with (the engine resumes them).
     */
    List<Resumable> recoverUnfinished() throws TrafficException {
        List<Resumable> goOn = new ArrayList<>();
        List<ReleaseRecord> all = new ArrayList<>(store.releases(1000));
        all.sort(Comparator.comparing(ReleaseRecord::submitted));
        for (ReleaseRecord r : all) {
            List<StoredEvent> journal = store.events(r.id(), 0);
            if (r.isFinished()) {
                // finished in the store, but the server died before its last event: followers wait for it
                if (journal.stream().noneMatch(e -> e.event() instanceof ReleaseEvent.Finished)) {
                    journal(r.id(), new ReleaseEvent.Finished(clock.now(), null, "release " + r.id() + " ended "
                            + r.outcome().orElseThrow() + r.reason().map(x -> ": " + x).orElse(""), r.outcome().orElseThrow()));
                }
                continue;
            }
            recover(r, journal).ifPresent(goOn::add);
        }
        Set<String> resumed = new HashSet<>();
        goOn.forEach(g -> resumed.addAll(g.record().services()));
        sweep(resumed);
        return goOn;
    }

    private Optional<Resumable> recover(ReleaseRecord r, List<StoredEvent> journal) throws TrafficException {
        if (journal.stream().noneMatch(e -> e.event() instanceof ReleaseEvent.Submitted)) {
            String reason = "the server stopped while it waited in the queue; nothing was deployed";
            end(r, Outcome.CANCELLED, reason, "release " + r.id() + " cancelled: " + reason);
            return Optional.empty();
        }
        Optional<ReleaseSpec> spec;
        try {
            spec = Optional.of(ReleaseReader.read(r.file(), r.source()));
        } catch (InvalidSpecException e) {
            // accepted by an older version of Glidepath: without its plan, rolling back is the safe way
            spec = Optional.empty();
        }
        Journal j = new Journal(journal);
        if (spec.isPresent() && j.allUnchanged(spec.get())) {
            end(r, Outcome.UNCHANGED, null, "release " + r.id() + ": every service already ran its version; nothing changed");
        } else if (spec.isPresent() && j.workComplete(spec.get()) && servesNewVersions(spec.get())) {
            completePromotion(r, spec.get());
        } else {
            GoOn plan = spec.isPresent() ? plan(r, spec.get(), j) : GoOn.not("its release file no longer reads: without its plan, rolling back is the safe way");
            if (plan.cannot() == null) {
                // the engine journals that it goes on, and from where
                log.warn("release {} was left unfinished by a stopped server: going on with it", r.id());
                return Optional.of(new Resumable(r, spec.get(), j.wavesDone, plan.resumeAt()));
            }
            rollBack(r, spec, j, plan.cannot());
        }
        return Optional.empty();
    }

    // --- the journal proves where the release was: go on ---------------------------------------------

    /** Where each begun service goes on from, or why the release cannot go on. */
    private record GoOn(Map<String, ServiceDeployment.Resume> resumeAt, String cannot) {
        static GoOn not(String why) {
            return new GoOn(Map.of(), why);
        }
    }

    /**
     * The release can go on when no rollback had begun, every instance its journal says it started
     * still runs, and every service's previous version still runs with its route in place (so a
     * later rollback can still flip it back).
     */
    private GoOn plan(ReleaseRecord r, ReleaseSpec spec, Journal j) throws TrafficException {
        if (j.rollbackBegun) {
            return GoOn.not("it had begun rolling back");
        }
        Map<String, ServiceDeployment.Resume> at = new LinkedHashMap<>();
        for (ServiceSpec s : spec.services()) {
            Phase reached = j.lastPhase.get(s.name());
            if (reached == Phase.UNCHANGED) {
                continue;
            }
            Optional<String> previous = before(store.service(s.name()), r);
            List<Instance> live = platform.list(s.name());
            if (previous.isPresent()) {
                if (live.stream().noneMatch(i -> i.version().equals(previous.get()))) {
                    return GoOn.not("no instance of " + s.name() + " " + previous.get() + " runs to go back to");
                }
                if (router.current(s.name()).isEmpty()) {
                    return GoOn.not("the router has no route for " + s.name());
                }
            }
            if (reached == null) {
                continue; // its wave had not started it
            }
            Set<String> started = j.started.getOrDefault(s.name(), Set.of());
            List<Instance> fresh = live.stream().filter(i -> started.contains(i.id())).toList();
            if (started.isEmpty() && live.stream().anyMatch(i -> i.version().equals(s.version()))) {
                return GoOn.not("instances of " + s.name() + " " + s.version() + " run that its journal does not record");
            }
            if (fresh.size() < started.size()) {
                List<String> gone = started.stream().filter(id -> fresh.stream().noneMatch(i -> i.id().equals(id))).sorted().toList();
                return GoOn.not("instance " + String.join(", ", gone) + " of " + s.name() + " " + s.version() + " stopped while no server watched it");
            }
            long generation = router.current(s.name()).map(RouteState::generation).orElse(0L);
            at.put(s.name(), new ServiceDeployment.Resume(reached, fresh, j.switched.contains(s.name()), j.stepsDone.getOrDefault(s.name(), 0),
                    j.failuresInARow.getOrDefault(s.name(), 0), generation, Optional.ofNullable(j.routeBefore.get(s.name()))));
        }
        return new GoOn(at, null);
    }

    // --- the release had done its work: finish it --------------------------------------------------

    /** Every promoted service's route has exactly the live instances of its new version as stable, and no canary. */
    private boolean servesNewVersions(ReleaseSpec spec) throws TrafficException {
        for (ServiceSpec s : spec.services()) {
            Set<EndpointAddress> fresh = addresses(platform.list(s.name()).stream().filter(i -> i.version().equals(s.version())).toList());
            Optional<RouteState> route = router.current(s.name());
            if (fresh.isEmpty() || route.isEmpty() || !Set.copyOf(route.get().spec().stable()).equals(fresh) || route.get().spec().canaryWeight() != 0) {
                return false;
            }
        }
        return true;
    }

    private void completePromotion(ReleaseRecord r, ReleaseSpec spec) throws TrafficException {
        log.warn("release {} had promoted every service when its server stopped: finishing it", r.id());
        journal(r.id(), new ReleaseEvent.Note(clock.now(), null, "the server restarted after every service of this release was promoted and "
                + "watched: finishing it"));
        for (ServiceSpec s : spec.services()) {
            Optional<ServiceRecord> rec = store.service(s.name());
            if (rec.isEmpty() || !rec.get().currentVersion().equals(s.version())) {
                store.saveService(new ServiceRecord(s.name(), s.version(), before(rec, r), r.id(), clock.now()));
            }
            // the previous version was kept warm for a flip back that can no longer come: it retires now
            retireOthers(r, s.name(), s.version());
        }
        end(r, Outcome.PROMOTED, null, "release " + r.id() + " promoted (finished by the restarted server)");
    }

    // --- anything else: roll the release back ---------------------------------------------------------

    private void rollBack(ReleaseRecord r, Optional<ReleaseSpec> spec, Journal j, String cannotGoOn) throws TrafficException {
        log.warn("release {} was left unfinished by a stopped server: rolling it back ({})", r.id(), cannotGoOn);
        Instant decided = clock.now();
        String reason = "the server stopped while the release ran" + (j.rollbackBegun ? "" : ", and it cannot go on: " + cannotGoOn);
        journal(r.id(), new ReleaseEvent.Note(decided, null, "the server restarted while this release ran: "
                + (j.rollbackBegun ? "finishing the rollback it had begun" : "rolling it back, as it cannot go on: " + cannotGoOn)));
        if (!j.rollbackBegun) {
            journal(r.id(), new ReleaseEvent.RollbackDecided(clock.now(), null, "rolling the release back: every service goes back to the "
                    + "version it ran before", reason));
        }
        // reverse dependency order: the front first, so it never calls a backend older than it expects
        List<String> order = new ArrayList<>(r.services());
        spec.ifPresent(sp -> {
            order.clear();
            sp.waves().reversed().forEach(w -> w.forEach(s -> order.add(s.name())));
        });
        Map<String, List<Instance>> leaving = new LinkedHashMap<>();
        List<String> stuck = new ArrayList<>();
        for (String service : order) {
            Optional<ServiceRecord> rec = store.service(service);
            Optional<String> target = before(rec, r);
            List<Instance> live = platform.list(service);
            List<Instance> keep = live.stream().filter(i -> target.filter(i.version()::equals).isPresent()).toList();
            if (!j.lastPhase.containsKey(service) && keep.size() == live.size()) {
                // its wave never started and nothing of it is out of place: nothing to put back
                continue;
            }
            Optional<RouteState> route = router.current(service);
            if (target.isPresent() && keep.isEmpty()) {
                // the version to go back to has no live instance: leave the route serving what it serves, and say so
                stuck.add(service + " (no live instance of " + target.get() + ")");
                journal(r.id(), new ReleaseEvent.Note(clock.now(), service, "cannot go back to " + target.get() + ": none of its instances "
                        + "is alive; the route is left as it is"));
                continue;
            }
            if (target.isEmpty()) {
                if (route.isPresent()) {
                    router.remove(service);
                }
            } else if (route.isPresent()) {
                // the route as it was before the release (its match, stickiness, each endpoint's check) when the journal has it
                RouteSpec s = Optional.ofNullable(j.routeBefore.get(service)).orElse(route.get().spec());
                Map<EndpointAddress, EndpointSettings> settings = new LinkedHashMap<>();
                keep.forEach(i -> settings.put(i.address(), s.allEndpoints().contains(i.address()) ? s.settingsOf(i.address())
                        : route.get().spec().settingsOf(i.address())));
                put(s.withStable(addresses(keep).stream().toList()).withCanary(List.of()).withPreview(List.of()).withCanaryWeight(0)
                        .withEndpointSettings(settings));
            }
            journal(r.id(), new ReleaseEvent.TrafficRestored(clock.now(), service, target.map(v -> "all traffic back on " + v)
                    .orElse("route removed: " + service + " had no version before this release"), clock.since(decided).toMillis()));
            if (rec.isPresent() && rec.get().lastRelease().equals(r.id())) {
                // the server died while it recorded this release's versions: the record goes back too
                store.saveService(new ServiceRecord(service, target.orElseThrow(), Optional.empty(), r.id(), clock.now()));
            }
            leaving.put(service, live.stream().filter(i -> !keep.contains(i)).toList());
        }
        if (leaving.size() > 1) {
            journal(r.id(), new ReleaseEvent.TrafficRestored(clock.now(), null, "every service of the release is back on its previous version "
                    + clock.since(decided).toMillis() + " ms after the restart's decision", clock.since(decided).toMillis()));
        }
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            leaving.forEach((service, instances) -> ex.submit(() -> {
                drainThenStop(r, service, instances, spec.flatMap(sp -> sp.service(service)));
                Phase last = j.lastPhase.get(service);
                if (last != null && last != Phase.ROLLED_BACK && last != Phase.UNCHANGED) {
                    journal(r.id(), new ReleaseEvent.PhaseChanged(clock.now(), service, service + " rolled back: " + reason, Phase.ROLLED_BACK,
                            j.version.get(service)));
                }
                return null;
            }));
        }
        if (stuck.isEmpty()) {
            String why = reason + "; every service is back on its previous version";
            end(r, Outcome.ROLLED_BACK, why, "release " + r.id() + " rolled back: " + why);
        } else {
            String why = reason + "; could not roll back " + String.join(", ", stuck);
            end(r, Outcome.FAILED, why, "release " + r.id() + " failed: " + why);
        }
    }

    /** Waits for the leaving instances' in-flight requests (bounded by the route's drain timeout), then stops them. */
    private void drainThenStop(ReleaseRecord r, String service, List<Instance> leaving, Optional<ServiceSpec> spec) throws InterruptedException {
        if (leaving.isEmpty()) {
            return;
        }
        Set<EndpointAddress> addresses = addresses(leaving);
        Instant deadline = clock.now().plus(spec.map(s -> s.route().drainTimeout()).orElse(Duration.ofSeconds(30))).plusSeconds(1);
        try {
            while (clock.now().isBefore(deadline)) {
                Map<EndpointAddress, Integer> inflight = router.inflight(service);
                if (addresses.stream().mapToInt(a -> inflight.getOrDefault(a, 0)).sum() == 0) {
                    break;
                }
                clock.sleep(DRAIN_POLL);
            }
        } catch (TrafficException e) {
            log.warn("could not read {}'s in-flight requests ({}); stopping after the drain timeout", service, e.getMessage());
        }
        Duration grace = spec.map(s -> s.run().stopGrace()).orElse(STOP_GRACE);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            leaving.forEach(i -> ex.submit(() -> platform.stop(i, grace)));
        }
        journal(r.id(), new ReleaseEvent.InstancesStopped(clock.now(), service, "stopped " + leaving.size() + " instances left by the release",
                leaving.get(0).version(), leaving.stream().map(Instance::id).toList()));
    }

    // --- the sweep -----------------------------------------------------------------------------------

    /**
     * Instances of a version the service no longer runs, outside any release (none runs while the
     * server starts): keep-warm versions whose retirement a crash interrupted, or instances of a
     * service that never got a version. They leave the route's spare tracks, then stop.
     */
    private void sweep(Set<String> resumed) throws TrafficException {
        Set<String> services = new HashSet<>();
        for (Instance i : store.instances()) {
            if (platform.isAlive(i)) {
                if (!resumed.contains(i.service())) { // a release going on needs its instances, old and new
                    services.add(i.service());
                }
            } else {
                // it died while no server watched (or was stopped by one that died before forgetting it)
                store.remove(i.id());
            }
        }
        for (String service : services) {
            Optional<ServiceRecord> rec = store.service(service);
            Optional<RouteState> route = router.current(service);
            Set<EndpointAddress> stable = route.map(rs -> Set.copyOf(rs.spec().stable())).orElse(Set.of());
            List<Instance> stray = platform.list(service).stream()
                    .filter(i -> rec.map(x -> !x.currentVersion().equals(i.version())).orElse(true))
                    .filter(i -> !stable.contains(i.address()))
                    .toList();
            if (stray.isEmpty()) {
                continue;
            }
            log.warn("stopping {} instances of {} that no release needs any more: {}", stray.size(), service, stray.stream().map(Instance::id).toList());
            if (route.isPresent() && (!route.get().spec().preview().isEmpty() || !route.get().spec().canary().isEmpty())) {
                RouteSpec s = route.get().spec();
                put(s.withCanary(List.of()).withPreview(List.of()).withCanaryWeight(0));
            }
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                stray.forEach(i -> ex.submit(() -> platform.stop(i, STOP_GRACE)));
            }
        }
    }

    // --- helpers -------------------------------------------------------------------------------------

    /** Retires every instance of another version than {@code version} (route first, then stop). */
    private void retireOthers(ReleaseRecord r, String service, String version) throws TrafficException {
        List<Instance> others = platform.list(service).stream().filter(i -> !i.version().equals(version)).toList();
        Optional<RouteState> route = router.current(service);
        if (route.isPresent() && (!route.get().spec().preview().isEmpty() || !route.get().spec().canary().isEmpty())) {
            put(route.get().spec().withCanary(List.of()).withPreview(List.of()).withCanaryWeight(0));
        }
        if (!others.isEmpty()) {
            try {
                drainThenStop(r, service, others, Optional.empty());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The version a service ran before release {@code r} (the store records a release's versions only at its end). */
    private static Optional<String> before(Optional<ServiceRecord> rec, ReleaseRecord r) {
        if (rec.isEmpty()) {
            return Optional.empty();
        }
        return rec.get().lastRelease().equals(r.id()) ? rec.get().previousVersion() : Optional.of(rec.get().currentVersion());
    }

    private void end(ReleaseRecord r, Outcome outcome, String reason, String message) {
        store.updateRelease(r.finish(outcome, reason, clock.now()));
        store.unlock(r.services(), r.id());
        journal(r.id(), new ReleaseEvent.Finished(clock.now(), null, message, outcome));
    }

    /** A route update without a generation check: recovery runs alone, before the engine. */
    private void put(RouteSpec spec) throws TrafficException {
        try {
            router.apply(spec, OptionalLong.empty());
        } catch (StaleRouteException e) {
            throw new IllegalStateException("a route update without a generation check was refused as stale", e);
        }
    }

    private static Set<EndpointAddress> addresses(List<Instance> instances) {
        Set<EndpointAddress> out = new HashSet<>();
        instances.forEach(i -> out.add(i.address()));
        return out;
    }

    /** What a release's journal proves. */
    static final class Journal {
        final Map<String, Phase> lastPhase = new LinkedHashMap<>();
        final Map<String, String> version = new LinkedHashMap<>();
        final boolean rollbackBegun;
        /** Verify checks that passed after the last service ended. */
        final Set<String> verifiedAfterLastService = new HashSet<>();
        /** Instances each service started (their ids). */
        final Map<String, Set<String>> started = new LinkedHashMap<>();
        /** Services whose new version a journaled route change gave all traffic. */
        final Set<String> switched = new HashSet<>();
        final Map<String, Integer> stepsDone = new LinkedHashMap<>();
        final Map<String, Integer> failuresInARow = new LinkedHashMap<>();
        /** Each service's route before the release changed it, as journaled. */
        final Map<String, RouteSpec> routeBefore = new LinkedHashMap<>();
        /** Waves journaled done (verify checks passed after them). */
        final int wavesDone;

        Journal(List<StoredEvent> events) {
            boolean rb = false;
            int waves = 0;
            for (StoredEvent se : events) {
                switch (se.event()) {
                    case ReleaseEvent.InstancesStarted i -> i.instances().forEach(x -> started.computeIfAbsent(i.service(), k -> new HashSet<>()).add(x.id()));
                    case ReleaseEvent.TrafficChanged t when t.canaryVersion() == null && t.stableVersion() != null
                            && t.stableVersion().equals(version.get(t.service())) -> switched.add(t.service());
                    case ReleaseEvent.StepDone d -> stepsDone.merge(d.service(), d.step(), Math::max);
                    case ReleaseEvent.RouteBefore b -> {
                        try {
                            routeBefore.put(b.service(), RouteJson.readSpec(b.service(), b.route()));
                        } catch (InvalidRouteException e) {
                            log.warn("release {}: the journaled route of {} before it no longer reads ({}); using the router's", se.releaseId(),
                                    b.service(), e.getMessage());
                        }
                    }
                    case ReleaseEvent.VerdictGiven v -> {
                        if (v.outcome().equals("FAIL")) {
                            failuresInARow.merge(v.service(), 1, Integer::sum);
                        } else if (v.outcome().equals("PASS")) {
                            failuresInARow.put(v.service(), 0);
                        }
                    }
                    case ReleaseEvent.WaveChanged w when w.state().equals("DONE") -> waves = Math.max(waves, w.wave());
                    case ReleaseEvent.PhaseChanged p -> {
                        lastPhase.put(p.service(), p.phase());
                        version.put(p.service(), p.version());
                        verifiedAfterLastService.clear();
                        if (p.phase() == Phase.ROLLING_BACK || p.phase() == Phase.ROLLED_BACK) {
                            rb = true;
                        }
                    }
                    case ReleaseEvent.RollbackDecided d -> rb = true;
                    case ReleaseEvent.CheckResult c when c.service() == null -> {
                        if (c.passed()) {
                            verifiedAfterLastService.add(c.check());
                        } else {
                            rb = true;
                        }
                    }
                    default -> {
                        // other events prove nothing about the outcome
                    }
                }
            }
            this.rollbackBegun = rb;
            this.wavesDone = waves;
        }

        boolean allUnchanged(ReleaseSpec spec) {
            return spec.services().stream().allMatch(s -> lastPhase.get(s.name()) == Phase.UNCHANGED);
        }

        /** Every service promoted and watched (or unchanged), no rollback begun, every verify check passed after the last one. */
        boolean workComplete(ReleaseSpec spec) {
            if (rollbackBegun) {
                return false;
            }
            for (ServiceSpec s : spec.services()) {
                Phase p = lastPhase.get(s.name());
                if (p != Phase.DONE && p != Phase.UNCHANGED) {
                    return false;
                }
            }
            boolean anyChanged = spec.services().stream().anyMatch(s -> lastPhase.get(s.name()) == Phase.DONE);
            return anyChanged && spec.verify().stream().map(HttpCheck::name).allMatch(verifiedAfterLastService::contains);
        }
    }
}
