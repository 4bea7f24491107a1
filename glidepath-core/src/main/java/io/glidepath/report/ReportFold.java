package io.glidepath.report;

import io.glidepath.journal.ApprovalState;
import io.glidepath.journal.MigrationStep;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.policy.EvidenceCheck;
import io.glidepath.report.SignOffReport.Act;
import io.glidepath.spec.FleetMember;
import io.glidepath.spec.FleetSpec;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Step;
import io.glidepath.store.ReleaseRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a release's journal once, in order, into a {@link SignOffReport}. Where the release stands (each
 * service's phase, its rollback, a fleet's tolerated failures) comes from {@link ReleaseHistory}, the one
 * reading of a journal; this adds what a report lists: each check, verdict, migration step, policy result,
 * act and time. The release file (stored with the record) gives versions, strategies and fleets; a file
 * this version cannot read leaves them to what the journal says.
 */
final class ReportFold {
    /** Who an abort names: "aborted by alice", "aborted by bob while it waited for approval; ...". */
    private static final Pattern ABORTED_BY = Pattern.compile("^aborted by (.+?)(?: while | before |;|$)");
    /** Who a promote names: "step 2 of 4 done: promote by alice received at 10%", "promote by bob received: ring early begins". */
    private static final Pattern PROMOTE_BY = Pattern.compile("promote by (\\S+) received");
    /** What a token's name or a user the CLI names may hold: a phrase such as "the server stopping" is no one. */
    private static final Pattern NAME = Pattern.compile("[\\w.@-]{1,64}");

    private final ReleaseRecord record;
    private final Optional<ReleaseSpec> spec;

    private Instant started;
    private SignOffReport.Risk risk;
    /** Who opened the ring gate about to start, from the note the engine journals just before (older journals: nobody). */
    private String gateOpenedBy;
    private boolean queued;
    private final Map<String, List<SignOffReport.PhaseAt>> phases = new LinkedHashMap<>();
    private final Map<String, Phase> phaseNow = new LinkedHashMap<>();
    private final Map<String, Integer> instances = new LinkedHashMap<>();
    private final Map<String, String> startedVersion = new LinkedHashMap<>();
    private final Map<String, List<Long>> readyMillis = new LinkedHashMap<>();
    private final Map<String, Integer> stepsOf = new LinkedHashMap<>();
    private final Map<String, ReleaseEvent.TrafficChanged> traffic = new LinkedHashMap<>();
    private final List<SignOffReport.Check> smoke = new ArrayList<>();
    private final List<SignOffReport.Check> verify = new ArrayList<>();
    private final List<SignOffReport.VerdictLine> verdicts = new ArrayList<>();
    private final Map<String, Db> databases = new LinkedHashMap<>();
    private ReleaseEvent.PolicyApplied policy;
    private final Map<String, ReleaseEvent.EvidenceChecked> evidence = new LinkedHashMap<>();
    private ReleaseEvent.ApprovalChanged asked;
    private ReleaseEvent.ApprovalChanged decided;
    private final List<Act> acts = new ArrayList<>();
    private boolean abortNamed;
    private final Map<Integer, Wave> waves = new LinkedHashMap<>();
    private int wave = 1;
    private final List<ReleaseEvent.RollbackDecided> rollbacks = new ArrayList<>();
    private final List<ReleaseEvent.TrafficRestored> restored = new ArrayList<>();
    private ReleaseEvent.Finished finished;

    private static final class Db {
        SignOffReport.Gate gate;
        final List<SignOffReport.MigrationLine> steps = new ArrayList<>();
    }

    private static final class Wave {
        String ring;
        List<String> services = List.of();
        Instant gated;
        Instant started;
        Instant done;
    }

    ReportFold(ReleaseRecord record) {
        this.record = record;
        this.spec = read(record);
    }

    private static Optional<ReleaseSpec> read(ReleaseRecord r) {
        try {
            return Optional.of(r.spec());
        } catch (InvalidSpecException | RuntimeException e) {
            return Optional.empty(); // a file accepted by an older version: the journal still says what happened
        }
    }

    SignOffReport fold(List<StoredEvent> journal) {
        ReleaseHistory history = ReleaseHistory.of(journal);
        acts.add(new Act(record.submitted(), record.submittedBy(), "submitted the release from " + record.file()));
        journal.forEach(e -> take(e.event()));
        return new SignOffReport(release(), risk, services(history), verified(history), policy(), List.copyOf(acts), timing(), ending(history),
                fleets(history));
    }

    private void take(ReleaseEvent event) {
        switch (event) {
            case ReleaseEvent.Submitted s -> started = s.at();
            case ReleaseEvent.Queued q -> queued = true;
            case ReleaseEvent.PhaseChanged p -> {
                phases.computeIfAbsent(p.service(), x -> new ArrayList<>()).add(new SignOffReport.PhaseAt(p.phase(), p.at()));
                phaseNow.put(p.service(), p.phase());
            }
            case ReleaseEvent.InstancesStarted i -> {
                instances.merge(i.service(), i.instances().size(), Integer::sum);
                startedVersion.put(i.service(), i.version());
            }
            case ReleaseEvent.InstanceReady r -> readyMillis.computeIfAbsent(r.service(), x -> new ArrayList<>()).add(r.millis());
            case ReleaseEvent.CheckResult c when c.service() == null ->
                    verify.add(new SignOffReport.Check(c.at(), null, c.check(), c.target(), c.passed(), wave, c.message()));
            case ReleaseEvent.CheckResult c -> smoke.add(new SignOffReport.Check(c.at(), c.service(), c.check(), c.target(), c.passed(), null, c.message()));
            case ReleaseEvent.TrafficChanged t -> traffic.put(t.service(), t);
            case ReleaseEvent.VerdictGiven v -> verdicts.add(verdict(v));
            case ReleaseEvent.StepDone d -> {
                stepsOf.put(d.service(), d.of());
                if (manualPause(d)) {
                    acts.add(new Act(d.at(), promoter(d.message()), "let " + d.service() + " go on from its manual pause (glidepath promote): "
                            + d.message()));
                }
            }
            case ReleaseEvent.Note n when n.service() == null && PROMOTE_BY.matcher(n.message()).find() -> gateOpenedBy = promoter(n.message());
            case ReleaseEvent.WaveChanged w -> wave(w);
            case ReleaseEvent.MigrationChanged m -> migration(m);
            case ReleaseEvent.PolicyApplied p -> {
                policy = p;
                if (p.override() != null) {
                    acts.add(overrode(p));
                }
            }
            case ReleaseEvent.EvidenceChecked e -> evidence.put(e.check(), e);
            case ReleaseEvent.ApprovalChanged a -> approval(a);
            case ReleaseEvent.RollbackDecided d -> {
                rollbacks.add(d);
                if (d.cause() == RollbackCause.ABORTED) {
                    aborted(d.at(), d.reason());
                }
            }
            case ReleaseEvent.TrafficRestored r -> restored.add(r);
            case ReleaseEvent.Finished f -> {
                finished = f;
                if (f.cause() == RollbackCause.ABORTED || f.cause() == null && f.reason() != null && f.reason().startsWith("aborted by ")) {
                    aborted(f.at(), f.reason());
                }
            }
            case ReleaseEvent.RiskAssessed r -> risk = new SignOffReport.Risk(r.level(), r.probability(), r.headline(), r.factors(), r.advice());
            default -> {
                // the rest (notes, instances stopped, the route before, customers' failures) is read from the history or not reported
            }
        }
    }

    private SignOffReport.VerdictLine verdict(ReleaseEvent.VerdictGiven v) {
        ReleaseEvent.TrafficChanged t = traffic.get(v.service());
        boolean afterPromotion = phaseNow.get(v.service()) == Phase.PROMOTED;
        Integer weight = afterPromotion || t == null || t.canaryVersion() == null ? null : t.canaryWeight();
        return new SignOffReport.VerdictLine(v.at(), v.service(), v.outcome(), weight, afterPromotion, v.canaryRequests(), v.canaryErrorRate(),
                v.canaryP99Millis(), v.stableRequests(), v.stableErrorRate(), v.stableP99Millis(), v.evidence(), v.needed(), v.metrics(), v.message());
    }

    /** A done step that was a {@code {pause: manual}}: someone promoted it. */
    /** The name a promote's message holds (journals before promotes named anyone hold none: null). */
    private static String promoter(String message) {
        Matcher m = PROMOTE_BY.matcher(message);
        return m.find() && NAME.matcher(m.group(1)).matches() ? m.group(1) : null;
    }

    private boolean manualPause(ReleaseEvent.StepDone d) {
        return spec.flatMap(s -> s.service(d.service())).map(ServiceSpec::steps)
                .filter(steps -> d.step() >= 1 && d.step() <= steps.size() && steps.get(d.step() - 1) instanceof Step.ManualPause).isPresent();
    }

    private void wave(ReleaseEvent.WaveChanged w) {
        Wave x = waves.computeIfAbsent(w.wave(), n -> new Wave());
        x.ring = w.ring();
        x.services = w.services();
        switch (w.state()) {
            case GATED -> x.gated = w.at();
            case STARTED -> {
                x.started = w.at();
                wave = w.wave();
                if (x.gated != null) {
                    acts.add(new Act(w.at(), gateOpenedBy, "opened the manual gate of ring " + w.ring() + " (glidepath promote)"));
                    gateOpenedBy = null;
                }
            }
            case DONE -> x.done = w.at();
            case BAKING -> {
                // the bake after a ring is part of its wave's time
            }
        }
    }

    private void migration(ReleaseEvent.MigrationChanged m) {
        Db db = databases.computeIfAbsent(m.database(), n -> new Db());
        switch (m.step()) {
            case GATE_PASSED, GATE_REFUSED -> db.gate = new SignOffReport.Gate(m.step() == MigrationStep.GATE_PASSED, m.message().lines().findFirst()
                    .orElse(""), m.findings());
            case APPLYING -> {
                // its APPLIED (or RETRYING, FAILED) follows and says more
            }
            default -> db.steps.add(new SignOffReport.MigrationLine(m.at(), m.phase(), m.step(), m.file(), m.message()));
        }
    }

    private void approval(ReleaseEvent.ApprovalChanged a) {
        if (a.state() == ApprovalState.WAITING) {
            asked = a;
            return;
        }
        decided = a;
        if (a.state() == ApprovalState.APPROVED) {
            acts.add(new Act(a.at(), a.by(), "approved the release" + (a.reason() == null ? "" : ": " + a.reason())));
        }
    }

    /** The override as the server journals it: "WHO (token T, closed window 'W' until X): REASON". */
    private static Act overrode(ReleaseEvent.PolicyApplied p) {
        String o = p.override();
        int paren = o.indexOf(" (");
        String who = paren > 0 && NAME.matcher(o.substring(0, paren)).matches() ? o.substring(0, paren) : null;
        return new Act(p.at(), who, "overrode the closed deploy window" + (who == null ? ": " + o : " " + o.substring(paren + 1)));
    }

    private void aborted(Instant at, String reason) {
        if (abortNamed || reason == null) {
            return;
        }
        abortNamed = true;
        Matcher m = ABORTED_BY.matcher(reason);
        String who = m.find() && NAME.matcher(m.group(1)).matches() ? m.group(1) : null;
        acts.add(new Act(at, who, who == null ? "stopped the release: " + reason : "aborted the release (glidepath abort)"));
    }

    // --- the parts of the report -----------------------------------------------------------------------

    private SignOffReport.Release release() {
        Instant end = record.finished().orElse(null);
        String state = record.outcome().map(Enum::name).orElseGet(() -> queued && started == null ? "QUEUED"
                : asked != null && decided == null ? "AWAITING_APPROVAL" : "RUNNING");
        return new SignOffReport.Release(record.id(), record.file(), state, !record.isFinished(), record.submittedBy(), record.submitted(), started, end,
                seconds(record.submitted(), end), record.reason().orElse(null));
    }

    private List<String> names(ReleaseHistory history) {
        List<String> names = new ArrayList<>(record.services());
        history.services().stream().filter(n -> !names.contains(n)).forEach(names::add);
        // by wave, then as the release file lists them
        List<String> byWave = new ArrayList<>(names);
        byWave.sort(Comparator.comparingInt(n -> history.service(n).wave()));
        return byWave;
    }

    private List<SignOffReport.Service> services(ReleaseHistory history) {
        List<SignOffReport.Service> out = new ArrayList<>();
        for (String name : names(history)) {
            ReleaseHistory.Service h = history.service(name);
            Optional<ServiceSpec> s = spec.flatMap(x -> x.service(name));
            Optional<FleetMember> member = s.flatMap(ServiceSpec::fleetMember);
            Integer steps = stepsOf.containsKey(name) ? stepsOf.get(name)
                    : s.filter(x -> x.strategy().id().equals("canary")).map(x -> x.steps().size()).orElse(null);
            out.add(new SignOffReport.Service(name, s.map(ServiceSpec::version).or(h::version).orElse(null), s.map(x -> x.strategy().id()).orElse(null),
                    h.wave(), h.phase(), member.map(FleetMember::service).orElse(null), member.map(FleetMember::customer).orElse(null),
                    member.map(FleetMember::ringName).orElse(null), instances.getOrDefault(name, 0), h.stepsDone(), steps));
        }
        return out;
    }

    private SignOffReport.Verified verified(ReleaseHistory history) {
        List<SignOffReport.Readiness> readiness = new ArrayList<>();
        for (String name : names(history)) {
            if (instances.containsKey(name)) {
                List<Long> ready = readyMillis.getOrDefault(name, List.of());
                readiness.add(new SignOffReport.Readiness(name, startedVersion.get(name), instances.get(name), ready.size(),
                        ready.stream().max(Long::compare).orElse(null)));
            }
        }
        List<SignOffReport.Database> dbs = new ArrayList<>();
        databases.forEach((name, db) -> dbs.add(new SignOffReport.Database(name, db.gate, db.steps, history.expanded().contains(name),
                history.contracts().get(name))));
        return new SignOffReport.Verified(readiness, smoke, verify, verdicts, dbs);
    }

    private SignOffReport.Policy policy() {
        if (policy == null) {
            return null;
        }
        List<SignOffReport.EvidenceLine> lines = new ArrayList<>();
        for (EvidenceCheck c : policy.evidence()) {
            ReleaseEvent.EvidenceChecked r = evidence.get(c.label());
            lines.add(new SignOffReport.EvidenceLine(c.label(), c.kind(), c.describe(), r == null ? null : r.passed(), r == null ? null : r.detail(),
                    r == null ? null : r.at()));
        }
        SignOffReport.Approval approval = null;
        if (asked != null || decided != null) {
            ReleaseEvent.ApprovalChanged last = decided != null ? decided : asked;
            Instant from = asked == null ? null : asked.at();
            Instant to = decided == null ? null : decided.at();
            approval = new SignOffReport.Approval(last.state(), last.by(), last.reason(), from, to, from == null ? null : seconds(from, to),
                    last.deadline() != null ? last.deadline() : policy.approvalDeadline());
        }
        return new SignOffReport.Policy(policy.approvalRules(), policy.approvalDeadline(), policy.override(), lines, approval);
    }

    private SignOffReport.Timing timing() {
        List<SignOffReport.WaveTime> w = new ArrayList<>();
        waves.forEach((n, x) -> w.add(new SignOffReport.WaveTime(n, x.ring, x.services, x.started, x.done, x.started == null ? null
                : seconds(x.started, x.done), x.gated == null ? null : seconds(x.gated, x.started))));
        List<SignOffReport.ServiceTime> s = new ArrayList<>();
        phases.forEach((name, list) -> s.add(new SignOffReport.ServiceTime(name, list, list.size() < 2 ? null
                : seconds(list.get(0).at(), list.get(list.size() - 1).at()))));
        Instant end = record.finished().orElse(null);
        Double queuedFor = queued && started != null ? seconds(record.submitted(), started) : null;
        Double approvalWait = asked != null && decided != null ? seconds(asked.at(), decided.at()) : null;
        return new SignOffReport.Timing(record.submitted(), started, end, seconds(record.submitted(), end), queuedFor, approvalWait, w, s);
    }

    private SignOffReport.Ending ending(ReleaseHistory history) {
        String outcome = record.outcome().map(Enum::name).orElse(null);
        String reason = record.reason().orElse(finished == null ? null : finished.reason());
        RollbackCause cause = finished == null ? null : finished.cause();
        return new SignOffReport.Ending(outcome, reason, cause, rollback(history).orElse(null));
    }

    /**
     * The release's rollback, when one began: the decision that began it (a service's own failure, else the
     * release's: a verify check, an abort), and every flip back after it. A fleet's customer that failed within
     * its budget rolled back alone: that is not the release's.
     */
    private Optional<SignOffReport.Rollback> rollback(ReleaseHistory history) {
        List<ReleaseEvent.RollbackDecided> own = rollbacks.stream().filter(d -> d.service() == null || !history.tolerated(d.service())).toList();
        if (own.isEmpty()) {
            return Optional.empty();
        }
        ReleaseEvent.RollbackDecided first = own.stream().filter(d -> d.service() != null && d.cause() != null && !d.cause().askedFromOutside())
                .findFirst().orElseGet(() -> own.stream().filter(d -> d.service() == null).findFirst().orElse(own.get(0)));
        RollbackCause cause = first.cause() != null ? first.cause() : history.releaseRollback().map(ReleaseHistory.Rollback::cause).orElse(null);
        String service = first.service() != null && (first.cause() == null || !first.cause().askedFromOutside()) ? first.service() : null;
        List<SignOffReport.Flip> flips = new ArrayList<>();
        Long back = null;
        for (ReleaseEvent.TrafficRestored r : restored) {
            if (r.at().isBefore(first.at()) || r.service() != null && history.tolerated(r.service())) {
                continue;
            }
            if (r.service() != null) {
                flips.add(new SignOffReport.Flip(r.service(), r.millis(), r.message()));
            }
            back = back == null ? r.millis() : Math.max(back, r.millis());
        }
        return Optional.of(new SignOffReport.Rollback(cause, first.reason(), service, first.at(), back, flips));
    }

    private List<SignOffReport.Fleet> fleets(ReleaseHistory history) {
        if (spec.isEmpty()) {
            return List.of();
        }
        Map<String, List<ServiceSpec>> byFleet = new LinkedHashMap<>();
        spec.get().services().stream().filter(s -> s.fleetMember().isPresent())
                .forEach(s -> byFleet.computeIfAbsent(s.fleetMember().get().service(), x -> new ArrayList<>()).add(s));
        List<SignOffReport.Fleet> out = new ArrayList<>();
        byFleet.forEach((fleet, members) -> {
            List<ReleaseEvent.CustomerFailed> failures = history.customerFailures().stream().filter(c -> c.fleet().equals(fleet)).toList();
            List<SignOffReport.Customer> customers = new ArrayList<>();
            int done = 0;
            int notStarted = 0;
            for (ServiceSpec s : members) {
                FleetMember m = s.fleetMember().orElseThrow();
                ReleaseHistory.Service h = history.service(s.name());
                Optional<ReleaseEvent.CustomerFailed> failed = failures.stream().filter(c -> c.customer().equals(m.customer())).findFirst();
                String why = failed.map(ReleaseEvent.CustomerFailed::reason).orElseGet(() -> h.rollback().map(ReleaseHistory.Rollback::reason).orElse(null));
                RollbackCause cause = failed.map(ReleaseEvent.CustomerFailed::cause).orElseGet(() -> h.rollback().map(ReleaseHistory.Rollback::cause)
                        .orElse(null));
                customers.add(new SignOffReport.Customer(m.customer(), s.name(), m.ringName(), h.phase(), why, cause));
                done += h.phase() == Phase.DONE ? 1 : 0;
                notStarted += h.phase() == Phase.PENDING ? 1 : 0;
            }
            FleetSpec.FailureBudget budget = spec.get().fleet(fleet).map(FleetSpec::budget).orElse(FleetSpec.FailureBudget.NONE);
            long failedCustomers = failures.stream().map(ReleaseEvent.CustomerFailed::customer).distinct().count();
            boolean exceeded = history.budgetExceeded().filter(c -> c.fleet().equals(fleet)).isPresent();
            out.add(new SignOffReport.Fleet(fleet, members.get(0).version(), done, (int) failedCustomers, notStarted, budget.describe(members.size()),
                    budget.allowed(members.size()), exceeded, customers));
        });
        return out;
    }

    private static Double seconds(Instant from, Instant to) {
        return from == null || to == null ? null : Duration.between(from, to).toMillis() / 1000.0;
    }
}
