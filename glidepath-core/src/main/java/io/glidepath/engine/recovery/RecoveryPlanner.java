package io.glidepath.engine.recovery;

import io.glidepath.engine.ResumePoint;
import io.glidepath.engine.internal.Retirement;
import io.glidepath.engine.recovery.RecoveryDecision.Route;
import io.glidepath.engine.recovery.RecoveryDecision.ServiceBack;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides, without touching anything, what a restarted server does with a release its predecessor
 * left unfinished: from the release's journal (one reading, {@link ReleaseHistory}) and what the
 * platform, the router and the store show ({@link Observed}).
 * <ul>
 * <li>never started (queued): cancel;</li>
 * <li>every service already ran its version: unchanged;</li>
 * <li>every service promoted and watched, the verify checks passed, the router serving the new
 * versions: finish the promotion (the crash came between the last step and the end);</li>
 * <li>no rollback begun, every instance the journal says it started still running, every previous
 * version running with its route in place: resume where the journal says it was;</li>
 * <li>a fleet's failure budget exceeded with {@code then: keep}: finish the stop (what was promoted
 * stays, the rest goes back);</li>
 * <li>anything else: roll the release back as a whole (or finish the rollback it had begun), each
 * service to the version it ran before the release, on its live instances, last wave first.</li>
 * </ul>
 */
public final class RecoveryPlanner {
    private RecoveryPlanner() {
    }

    /**
     * @param spec the release file as it reads now; empty when it no longer reads (accepted by an
     *             older Glidepath): without its plan, rolling back is the safe way
     */
    public static RecoveryDecision decide(ReleaseRecord r, ReleaseHistory h, Optional<ReleaseSpec> spec, Observed world) {
        if (!h.submitted()) {
            return new RecoveryDecision.Cancel("the server stopped while it waited in the queue; nothing was deployed");
        }
        if (spec.isPresent() && h.allUnchanged(spec.get())) {
            return new RecoveryDecision.Unchanged();
        }
        if (spec.isPresent() && h.workComplete(spec.get()) && servesNewVersions(spec.get(), world)) {
            return new RecoveryDecision.FinishPromotion();
        }
        if (spec.isPresent() && h.budgetExceeded().filter(ReleaseEvent.CustomerFailed::keep).isPresent()) {
            // the stop keeps what was promoted and watched; everything else of the release goes back
            ReleaseEvent.CustomerFailed over = h.budgetExceeded().get();
            List<String> kept = spec.get().services().stream().map(ServiceSpec::name).filter(n -> h.service(n).phase() == Phase.DONE).toList();
            List<ServiceBack> back = servicesBack(r, spec, h, world).stream().filter(b -> !kept.contains(b.service())).toList();
            return new RecoveryDecision.FinishStop("fleet " + over.fleet() + ": failure budget " + over.failed() + " of " + over.allowed()
                    + " exceeded; the release stopped, customers already updated keep the new version", back, kept);
        }
        String cannot = spec.map(sp -> cannotGoOn(r, sp, h, world)).orElse(Optional.of(
                "its release file no longer reads: without its plan, rolling back is the safe way")).orElse(null);
        if (cannot == null) {
            return new RecoveryDecision.Resume(h.wavesDone(), resumePoints(spec.get(), h, world));
        }
        String reason = "the server stopped while the release ran" + (h.rollbackBegun() ? "" : ", and it cannot go on: " + cannot);
        return new RecoveryDecision.RollBack(reason, h.rollbackBegun(), servicesBack(r, spec, h, world));
    }

    /** Every service's route has exactly the live instances of its new version as stable, and no canary. */
    static boolean servesNewVersions(ReleaseSpec spec, Observed world) {
        for (ServiceSpec s : spec.services()) {
            Set<EndpointAddress> fresh = addresses(world.live(s.name()).stream().filter(i -> i.version().equals(s.version())).toList());
            Optional<RouteState> route = world.route(s.name());
            if (fresh.isEmpty() || route.isEmpty() || !Set.copyOf(route.get().spec().stable()).equals(fresh) || route.get().spec().canaryWeight() != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Why the release cannot go on, or empty when it can: no rollback had begun, every instance its
     * journal says it started still runs, and every service's previous version still runs with its
     * route in place (so that a later rollback can still flip it back).
     */
    static Optional<String> cannotGoOn(ReleaseRecord r, ReleaseSpec spec, ReleaseHistory h, Observed world) {
        if (h.rollbackBegun()) {
            return Optional.of("it had begun rolling back");
        }
        for (ServiceSpec s : spec.services()) {
            ReleaseHistory.Service js = h.service(s.name());
            if (js.phase() == Phase.UNCHANGED || h.tolerated(s.name())) {
                continue; // a customer that failed within its fleet's budget is back on its previous version, its new instances stopped
            }
            Optional<String> previous = versionBefore(world.record(s.name()), r);
            List<Instance> live = world.live(s.name());
            if (previous.isPresent()) {
                if (live.stream().noneMatch(i -> i.version().equals(previous.get()))) {
                    return Optional.of("no instance of " + s.name() + " " + previous.get() + " runs to go back to");
                }
                if (world.route(s.name()).isEmpty()) {
                    return Optional.of("the router has no route for " + s.name());
                }
            }
            if (!js.begun()) {
                continue; // its wave had not started it
            }
            Set<String> started = js.started();
            if (started.isEmpty() && live.stream().anyMatch(i -> i.version().equals(s.version()))) {
                return Optional.of("instances of " + s.name() + " " + s.version() + " run that its journal does not record");
            }
            List<String> gone = started.stream().filter(id -> live.stream().noneMatch(i -> i.id().equals(id))).sorted().toList();
            if (!gone.isEmpty()) {
                return Optional.of("instance " + String.join(", ", gone) + " of " + s.name() + " " + s.version() + " stopped while no server watched it");
            }
        }
        return Optional.empty();
    }

    /** Where each begun service goes on from (services its wave had not started have none: they start afresh). */
    static Map<String, ResumePoint> resumePoints(ReleaseSpec spec, ReleaseHistory h, Observed world) {
        Map<String, ResumePoint> at = new LinkedHashMap<>();
        for (ServiceSpec s : spec.services()) {
            ReleaseHistory.Service js = h.service(s.name());
            if (!js.begun() || js.phase() == Phase.UNCHANGED) {
                continue;
            }
            List<Instance> fresh = world.live(s.name()).stream().filter(i -> js.started().contains(i.id())).toList();
            long generation = world.route(s.name()).map(RouteState::generation).orElse(0L);
            at.put(s.name(), new ResumePoint(js.phase(), fresh, js.switched(), js.stepsDone(), js.failuresInARow(), generation, js.routeBefore(),
                    js.judgeState()));
        }
        return at;
    }

    /** Each service going back, front first (reverse dependency order), so that none calls a backend older than it expects. */
    static List<ServiceBack> servicesBack(ReleaseRecord r, Optional<ReleaseSpec> spec, ReleaseHistory h, Observed world) {
        List<String> order = new ArrayList<>(r.services());
        spec.ifPresent(sp -> {
            order.clear();
            sp.waves().reversed().forEach(w -> w.forEach(s -> order.add(s.name())));
        });
        List<ServiceBack> back = new ArrayList<>();
        for (String service : order) {
            ReleaseHistory.Service js = h.service(service);
            Optional<ServiceRecord> rec = world.record(service);
            Optional<String> target = versionBefore(rec, r);
            List<Instance> live = world.live(service);
            List<Instance> keep = live.stream().filter(i -> target.filter(i.version()::equals).isPresent()).toList();
            if (!js.begun() && keep.size() == live.size()) {
                continue; // its wave never started and nothing of it is out of place: nothing to put back
            }
            Optional<ServiceSpec> ss = spec.flatMap(sp -> sp.service(service));
            Route route;
            if (target.isPresent() && keep.isEmpty()) {
                route = new Route.Stuck();
            } else if (target.isEmpty()) {
                route = world.route(service).isPresent() ? new Route.Remove() : new Route.Absent();
            } else {
                route = world.route(service).<Route>map(st -> new Route.Restore(restored(js.routeBefore().orElse(st.spec()), st.spec(), keep)))
                        .orElse(new Route.Absent());
            }
            boolean reset = !(route instanceof Route.Stuck) && rec.isPresent() && rec.get().lastRelease().equals(r.id());
            boolean mark = js.begun() && js.phase() != Phase.ROLLED_BACK && js.phase() != Phase.UNCHANGED;
            back.add(new ServiceBack(service, target, route, route instanceof Route.Stuck ? List.of() : live.stream().filter(i -> !keep.contains(i)).toList(),
                    reset, mark && !(route instanceof Route.Stuck), js.version().orElse(null),
                    ss.map(x -> x.route().drainTimeout()).orElse(RouteSpec.DEFAULT_DRAIN_TIMEOUT),
                    ss.map(x -> x.run().stopGrace()).orElse(Retirement.DEFAULT_STOP_GRACE)));
        }
        return back;
    }

    /**
     * The route as it was before the release (its match, stickiness and each endpoint's own check,
     * as journaled), with only the previous version's live instances, on the stable track.
     */
    static RouteSpec restored(RouteSpec before, RouteSpec now, List<Instance> keep) {
        Map<EndpointAddress, EndpointSettings> settings = new LinkedHashMap<>();
        keep.forEach(i -> settings.put(i.address(), before.allEndpoints().contains(i.address()) ? before.settingsOf(i.address())
                : now.settingsOf(i.address())));
        return before.withStable(keep.stream().map(Instance::address).toList()).withCanary(List.of()).withPreview(List.of()).withCanaryWeight(0)
                .withEndpointSettings(settings);
    }

    /** The version a service ran before release {@code r} (the store records a release's versions only at its end). */
    static Optional<String> versionBefore(Optional<ServiceRecord> rec, ReleaseRecord r) {
        if (rec.isEmpty()) {
            return Optional.empty();
        }
        return rec.get().lastRelease().equals(r.id()) ? rec.get().previousVersion() : Optional.of(rec.get().currentVersion());
    }

    private static Set<EndpointAddress> addresses(List<Instance> instances) {
        return instances.stream().map(Instance::address).collect(Collectors.toSet());
    }
}
