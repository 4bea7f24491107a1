package io.glidepath.journal;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.analysis.Verdict;
import io.glidepath.migration.MigrationPhase;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.spec.ChosenStrategy;
import io.glidepath.spec.HttpCheck;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one reading of a release's journal: where the release and each of its services stand, as
 * its events prove. Every reader folds the journal here (the API's view of a finished release,
 * webhooks, a restarted server's recovery), so they agree on what an event means.
 *
 * <p>Built whole with {@link #of} or event by event with {@link #apply} (a follower). Not thread-safe:
 * one thread at a time, or the caller's lock.
 */
public final class ReleaseHistory {

    /** What users' traffic sees of a service's route: its stable and canary versions and the canary's weight. */
    public record Split(String stableVersion, String canaryVersion, int canaryWeight) {
    }

    /** A rollback decided: the sentence, and the cause (null in journals written before causes). */
    public record Rollback(String reason, RollbackCause cause) {
    }

    /** What the journal proves of one service. */
    public static final class Service {
        private final String name;
        private int wave = 1;
        private Phase phase = Phase.PENDING;
        private String version;
        private final Set<String> started = new LinkedHashSet<>();
        private int stepsDone;
        private int failuresInARow;
        private boolean switched;
        private RouteSpec routeBefore;
        private Split split;
        private Rollback rollback;
        private JsonNode judgeState;
        private double[] lastEvidence;

        private Service(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        /** Its wave, from 1 (1 for a release without waves). */
        public int wave() {
            return wave;
        }

        /** Its last phase; PENDING when its wave never started it. */
        public Phase phase() {
            return phase;
        }

        /** True when a phase was journaled for it (its wave began it). */
        public boolean begun() {
            return phase != Phase.PENDING;
        }

        /** The version it deploys, as its phases say; empty before its first phase. */
        public Optional<String> version() {
            return Optional.ofNullable(version);
        }

        /** The ids of the instances it started. */
        public Set<String> started() {
            return Set.copyOf(started);
        }

        /** Canary steps journaled done. */
        public int stepsDone() {
            return stepsDone;
        }

        /** Failing verdicts in a row at the end of the journal (inconclusive ones neither count nor forgive). */
        public int failuresInARow() {
            return failuresInARow;
        }

        /** True once a journaled route change gave its new version all traffic (its phase may not say so yet). */
        public boolean switched() {
            return switched;
        }

        /** Its route before the release changed it; empty in journals written before it was journaled. */
        public Optional<RouteSpec> routeBefore() {
            return Optional.ofNullable(routeBefore);
        }

        /** The split users see, as last journaled; empty before its first route change. */
        public Optional<Split> split() {
            return Optional.ofNullable(split);
        }

        /** Its judge's state with the last verdict, when the judge keeps one (a sequential judge's evidence). */
        public Optional<JsonNode> judgeState() {
            return Optional.ofNullable(judgeState);
        }

        /** A sequential judge's last evidence and what it had to reach ({@code [value, needed]}), when one judged it. */
        public Optional<double[]> lastEvidence() {
            return Optional.ofNullable(lastEvidence).map(double[]::clone);
        }

        /** Its own rollback decision, if one was journaled. */
        public Optional<Rollback> rollback() {
            return Optional.ofNullable(rollback);
        }

        public ServiceStatus status() {
            return new ServiceStatus(wave, phase);
        }
    }

    private final Map<String, Service> services = new LinkedHashMap<>();
    private List<String> serviceOrder = List.of();
    private boolean submitted;
    /** A release-wide rollback began (a failed verify check, a release-wide decision). */
    private boolean rollbackBegun;
    /** Services whose own rollback began; those {@link #tolerated} by a fleet's budget do not roll the release back. */
    private final Set<String> rolledBack = new HashSet<>();
    private final Set<String> tolerated = new HashSet<>();
    private final List<ReleaseEvent.CustomerFailed> customerFailures = new ArrayList<>();
    private ReleaseEvent.CustomerFailed budgetExceeded;
    private Rollback releaseRollback;
    private final Set<String> verifiedAfterLastService = new HashSet<>();
    private int wavesDone;
    private ReleaseEvent.Finished finished;
    private final Set<String> expanded = new LinkedHashSet<>();
    private final Map<String, MigrationStep> contracts = new LinkedHashMap<>();
    private ReleaseEvent.PolicyApplied policy;
    private boolean queued;
    private final Set<String> evidencePassed = new HashSet<>();
    private ReleaseEvent.ApprovalChanged approval;
    private final Map<String, ChosenStrategy> chosen = new LinkedHashMap<>();

    public static ReleaseHistory of(List<StoredEvent> journal) {
        ReleaseHistory h = new ReleaseHistory();
        journal.forEach(h::apply);
        return h;
    }

    /** Takes the next event of the journal. */
    public void apply(StoredEvent stored) {
        ReleaseEvent event = stored.event();
        switch (event) {
            case ReleaseEvent.Submitted s -> {
                submitted = true;
                serviceOrder = List.copyOf(s.services());
                s.services().forEach(this::track);
                for (int w = 0; w < s.waves().size(); w++) {
                    for (String name : s.waves().get(w)) {
                        track(name).wave = w + 1;
                    }
                }
            }
            case ReleaseEvent.PhaseChanged p -> {
                Service s = track(p.service());
                s.phase = p.phase();
                s.version = p.version();
                verifiedAfterLastService.clear();
                if (p.phase() == Phase.ROLLING_BACK || p.phase() == Phase.ROLLED_BACK) {
                    rolledBack.add(p.service());
                }
            }
            case ReleaseEvent.InstancesStarted i -> i.instances().forEach(x -> track(i.service()).started.add(x.id()));
            case ReleaseEvent.TrafficChanged t -> {
                Service s = track(t.service());
                s.split = new Split(t.stableVersion(), t.canaryVersion(), t.canaryWeight());
                if (t.canaryVersion() == null && t.stableVersion() != null && t.stableVersion().equals(s.version)) {
                    s.switched = true;
                }
            }
            case ReleaseEvent.StepDone d -> track(d.service()).stepsDone = Math.max(track(d.service()).stepsDone, d.step());
            case ReleaseEvent.VerdictGiven v -> {
                Service s = track(v.service());
                if (v.state() != null) {
                    s.judgeState = v.state();
                }
                if (v.evidence() != null && v.needed() != null) {
                    s.lastEvidence = new double[] {v.evidence(), v.needed()};
                }
                if (v.outcome() == Verdict.Outcome.FAIL) {
                    s.failuresInARow++;
                } else if (v.outcome() == Verdict.Outcome.PASS) {
                    s.failuresInARow = 0;
                }
            }
            case ReleaseEvent.RouteBefore b -> track(b.service()).routeBefore = readRoute(b);
            case ReleaseEvent.WaveChanged w when w.state() == WaveState.DONE -> wavesDone = Math.max(wavesDone, w.wave());
            case ReleaseEvent.RollbackDecided d -> {
                Rollback r = new Rollback(d.reason(), d.cause());
                if (d.service() == null) {
                    rollbackBegun = true;
                    releaseRollback = r;
                } else {
                    rolledBack.add(d.service());
                    track(d.service()).rollback = r;
                }
            }
            case ReleaseEvent.CustomerFailed c -> {
                customerFailures.add(c);
                if (!c.exceeded()) {
                    tolerated.add(c.service());
                } else {
                    budgetExceeded = c;
                }
            }
            case ReleaseEvent.CheckResult c when c.service() == null -> {
                if (c.passed()) {
                    verifiedAfterLastService.add(c.check());
                } else {
                    rollbackBegun = true;
                }
            }
            case ReleaseEvent.Finished f -> finished = f;
            case ReleaseEvent.MigrationChanged m -> migration(m);
            case ReleaseEvent.PolicyApplied p -> policy = p;
            case ReleaseEvent.Queued q -> queued = true;
            case ReleaseEvent.EvidenceChecked e when e.passed() -> evidencePassed.add(e.check());
            case ReleaseEvent.ApprovalChanged a -> approval = a;
            case ReleaseEvent.StrategyChosen c -> chosen.put(c.service(), c.choice());
            default -> {
                // the other events prove nothing about where the release stands
            }
        }
    }

    private void migration(ReleaseEvent.MigrationChanged m) {
        if (m.phase() == MigrationPhase.EXPAND && m.step() == MigrationStep.DONE) {
            expanded.add(m.database());
        }
        boolean aboutContract = m.phase() == MigrationPhase.CONTRACT
                && m.step() != MigrationStep.APPLYING && m.step() != MigrationStep.APPLIED && m.step() != MigrationStep.RETRYING;
        if (aboutContract) {
            contracts.put(m.database(), m.step());
        }
    }

    /** What the server's policy asked of the release at submission, when it asked anything. */
    public Optional<ReleaseEvent.PolicyApplied> policy() {
        return Optional.ofNullable(policy);
    }

    /** What {@code strategy: auto} became for each service that named it, chosen at submission. */
    public Map<String, ChosenStrategy> chosenStrategies() {
        return Map.copyOf(chosen);
    }

    /** The evidence checks journaled as passed (by their label). */
    public Set<String> evidencePassed() {
        return Set.copyOf(evidencePassed);
    }

    /** The release's approval as last journaled (waiting, approved, timed out); empty when it needed none or never got there. */
    public Optional<ReleaseEvent.ApprovalChanged> approval() {
        return Optional.ofNullable(approval);
    }

    /** The databases whose expand migrations the journal shows done. */
    public Set<String> expanded() {
        return Set.copyOf(expanded);
    }

    /**
     * Each database's contract as the journal last shows it: CONTRACT_PENDING or CONTRACT_WAITING (not run
     * yet), STARTED (begun, not done: a server stopped in the middle), DONE, FAILED or SKIPPED.
     */
    public Map<String, MigrationStep> contracts() {
        return Map.copyOf(contracts);
    }

    private static RouteSpec readRoute(ReleaseEvent.RouteBefore b) {
        try {
            return RouteJson.readSpec(b.service(), b.route());
        } catch (InvalidRouteException e) {
            return null; // written by a Glidepath whose route form this one no longer reads: as if it was not journaled
        }
    }

    private Service track(String name) {
        return services.computeIfAbsent(name, Service::new);
    }

    /** True when the release waited in the queue behind another. */
    public boolean queued() {
        return queued;
    }

    /** True once any service of the release began (instances started or further). */
    public boolean anyBegun() {
        return services.values().stream().anyMatch(Service::begun);
    }

    /** True once the release left the queue and started. */
    public boolean submitted() {
        return submitted;
    }

    /** The release's services, in its order (from its start; those seen since, after them). */
    public List<String> services() {
        List<String> names = new ArrayList<>(serviceOrder);
        services.keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
        return names;
    }

    /** One service as the journal proves it (PENDING and empty when it has no event). */
    public Service service(String name) {
        return services.getOrDefault(name, new Service(name));
    }

    /** Each of {@code names}, in that order: its wave and last phase. */
    public Map<String, ServiceStatus> statuses(List<String> names) {
        Map<String, ServiceStatus> out = new LinkedHashMap<>();
        names.forEach(n -> out.put(n, Optional.ofNullable(services.get(n)).map(Service::status).orElse(new ServiceStatus(1, Phase.PENDING))));
        return out;
    }

    /** True once any rollback began: a service's or the release's, or a failed verify check. */
    public boolean rollbackBegun() {
        return rollbackBegun || rolledBack.stream().anyMatch(s -> !tolerated.contains(s));
    }

    /** True when {@code service} is a fleet's customer that failed within the failure budget: back on its previous version, the release went on. */
    public boolean tolerated(String service) {
        return tolerated.contains(service);
    }

    /** Every customer failure journaled, in order. */
    public List<ReleaseEvent.CustomerFailed> customerFailures() {
        return List.copyOf(customerFailures);
    }

    /** The customer failure that exceeded a fleet's failure budget, if one did. */
    public Optional<ReleaseEvent.CustomerFailed> budgetExceeded() {
        return Optional.ofNullable(budgetExceeded);
    }

    /** The release-wide rollback decision, if one was journaled. */
    public Optional<Rollback> releaseRollback() {
        return Optional.ofNullable(releaseRollback);
    }

    /** Waves journaled done. */
    public int wavesDone() {
        return wavesDone;
    }

    public Optional<ReleaseEvent.Finished> finished() {
        return Optional.ofNullable(finished);
    }

    /** Every service of {@code spec} ended UNCHANGED: it already ran its version. */
    public boolean allUnchanged(ReleaseSpec spec) {
        return spec.services().stream().allMatch(s -> phaseOf(s) == Phase.UNCHANGED);
    }

    /**
     * The release did its work: no rollback begun, every service promoted and watched (DONE) or
     * UNCHANGED, at least one changed, and every verify check passed after the last service ended.
     */
    public boolean workComplete(ReleaseSpec spec) {
        if (rollbackBegun() || !spec.services().stream().allMatch(s -> phaseOf(s) == Phase.DONE || phaseOf(s) == Phase.UNCHANGED || tolerated(s.name()))) {
            return false;
        }
        return spec.services().stream().anyMatch(s -> phaseOf(s) == Phase.DONE)
                && spec.verify().stream().map(HttpCheck::name).allMatch(verifiedAfterLastService::contains);
    }

    private Phase phaseOf(ServiceSpec s) {
        return Optional.ofNullable(services.get(s.name())).map(Service::phase).orElse(Phase.PENDING);
    }
}
