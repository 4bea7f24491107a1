package io.glidepath.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.analysis.Verdict;
import io.glidepath.journal.ApprovalState;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.MigrationStep;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.migration.MigrationPhase;
import io.glidepath.store.ReleaseRecord;
import java.time.Instant;
import java.util.List;

/**
 * What an SRE files after a release (docs/report.md): what was verified (readiness, smoke tests, verify
 * checks, every analysis verdict with its figures, database migrations and their gate's report), what the
 * server's policy asked and how it went (evidence, approval, a deploy window overridden), who did what,
 * the timing, how it ended and, for a rollback, its cause and how long the flip back took; a fleet's
 * outcome per customer. Built from the release's record and its journal only ({@link #of}), so the same
 * journal always gives the same report; a release still running gives one marked in progress.
 *
 * <p>Times are the journal's; fields a journal does not carry are null (left out of the JSON): {@code risk}
 * is null for a release submitted before the server journaled its risk score.
 */
public record SignOffReport(Release release, Risk risk, List<Service> services, Verified verified, Policy policy, List<Act> people, Timing timing,
                            Ending outcome, List<Fleet> fleets) {

    public SignOffReport {
        services = List.copyOf(services);
        people = List.copyOf(people);
        fleets = List.copyOf(fleets);
    }

    /** The report of {@code record} from its journal ({@code journal}: every event, in order). */
    public static SignOffReport of(ReleaseRecord record, List<StoredEvent> journal) {
        return new ReportFold(record).fold(journal);
    }

    /** The JSON form (the API's answer, {@code glidepath report --output json}). */
    public ObjectNode json() {
        return EventJson.MAPPER.valueToTree(this);
    }

    /** The Markdown form: headings and tables, nothing but text from the journal. */
    public String markdown() {
        return ReportMarkdown.render(this);
    }

    /**
     * The release: {@code state} is how it ended (PROMOTED, ROLLED_BACK, ...) or, while {@code inProgress},
     * where it is (QUEUED, AWAITING_APPROVAL, RUNNING); {@code started} is when it left the queue.
     */
    public record Release(String id, String file, String state, boolean inProgress, String submittedBy, Instant submitted, Instant started,
                          Instant finished, Double seconds, String reason) {
    }

    /**
     * One service (a fleet's customer is one too, with {@code fleet}, {@code customer} and {@code ring}): what it
     * deployed, how, in which wave, where it ended, the instances it started and the canary steps done.
     */
    public record Service(String name, String version, String strategy, int wave, Phase phase, String fleet, String customer, String ring,
                          int instances, int stepsDone, Integer steps) {
    }

    /** What was proven before and while traffic moved. */
    public record Verified(List<Readiness> readiness, List<Check> smoke, List<Check> verify, List<VerdictLine> verdicts, List<Database> migrations) {
        public Verified {
            readiness = List.copyOf(readiness);
            smoke = List.copyOf(smoke);
            verify = List.copyOf(verify);
            verdicts = List.copyOf(verdicts);
            migrations = List.copyOf(migrations);
        }
    }

    /** A service's new instances: how many started, how many passed readiness, and the slowest to get there. */
    public record Readiness(String service, String version, int instances, int ready, Long slowestMillis) {
    }

    /**
     * A smoke test (a service's, on an instance or through the router's preview) or a release's verify check
     * ({@code service} null, {@code afterWave} the wave it followed), with the journal's sentence.
     */
    public record Check(Instant at, String service, String check, String target, boolean passed, Integer afterWave, String message) {
    }

    /**
     * An analysis verdict with its figures as journaled: the canary's weight then ({@code canaryWeight} in basis
     * points; null when mirroring or after promotion), {@code afterPromotion} for the watch after it, and a
     * sequential judge's evidence ({@code evidence}, {@code needed}, each metric's).
     */
    public record VerdictLine(Instant at, String service, Verdict.Outcome outcome, Integer canaryWeight, boolean afterPromotion, long canaryRequests,
                              double canaryErrorRate, Double canaryP99Millis, long stableRequests, double stableErrorRate, Double stableP99Millis,
                              Double evidence, Double needed, List<Verdict.MetricEvidence> metrics, String message) {
        public VerdictLine {
            metrics = metrics == null ? List.of() : List.copyOf(metrics);
        }
    }

    /**
     * A database the release migrated: the safety gate's verdict and report (what it checked, every finding with
     * the reason the release file allows it), each step of its migrations, and where expand and contract ended.
     */
    public record Database(String name, Gate gate, List<MigrationLine> steps, boolean expanded, MigrationStep contract) {
        public Database {
            steps = List.copyOf(steps);
        }
    }

    /** The migration gate: {@code report} is its sentence (what it read and tried, and on what); {@code findings} as journaled. */
    public record Gate(boolean passed, String report, List<ReleaseEvent.GateFinding> findings) {
        public Gate {
            findings = List.copyOf(findings);
        }
    }

    public record MigrationLine(Instant at, MigrationPhase phase, MigrationStep step, String file, String message) {
    }

    /**
     * What the server's policy asked of the release at submission and how it went: the approval rules and
     * deadline, who opened a closed deploy window and why ({@code windowOverride}, as journaled), each
     * evidence check's result, and the approval.
     */
    /** How risky the server scored the release at submission (docs/risk.md): level, chance of a rollback, why, and its advice. */
    public record Risk(String level, double probability, String headline, List<String> factors, String advice) {
        public Risk {
            factors = List.copyOf(factors);
        }
    }

    public record Policy(List<String> approvalRules, Instant approvalDeadline, String windowOverride, List<EvidenceLine> evidence, Approval approval) {
        public Policy {
            approvalRules = List.copyOf(approvalRules);
            evidence = List.copyOf(evidence);
        }
    }

    /** A required evidence check; {@code passed} null when it never ran (the release ended before it). */
    public record EvidenceLine(String check, String kind, String describe, Boolean passed, String detail, Instant at) {
    }

    /** The approval: asked when, decided when and by whom (with their reason), or timed out at the deadline. */
    public record Approval(ApprovalState state, String by, String reason, Instant asked, Instant decided, Double waitedSeconds, Instant deadline) {
    }

    /**
     * Who did what, in order. {@code who} is a token's name (or the user the server's own token named), null
     * where the journal does not say (a manual promote: the audit log names its token).
     */
    public record Act(Instant at, String who, String what) {
    }

    /** When: submitted, started, finished, the time queued and waiting for approval, each wave and each service's phases. */
    public record Timing(Instant submitted, Instant started, Instant finished, Double seconds, Double queuedSeconds, Double approvalWaitSeconds,
                         List<WaveTime> waves, List<ServiceTime> services) {
        public Timing {
            waves = List.copyOf(waves);
            services = List.copyOf(services);
        }
    }

    /** A wave (a fleet's ring): its services, when it started and was done; {@code gatedSeconds} waited at its manual gate. */
    public record WaveTime(int wave, String ring, List<String> services, Instant started, Instant done, Double seconds, Double gatedSeconds) {
        public WaveTime {
            services = List.copyOf(services);
        }
    }

    /** A service's phases as journaled, and the time from its first to its last. */
    public record ServiceTime(String service, List<PhaseAt> phases, Double seconds) {
        public ServiceTime {
            phases = List.copyOf(phases);
        }
    }

    public record PhaseAt(Phase phase, Instant at) {
    }

    /**
     * How the release ended ({@code outcome} null while in progress), why, and for a rollback ({@code rollback},
     * also while one is under way) its cause and how long traffic took to flip back.
     */
    public record Ending(String outcome, String reason, RollbackCause cause, Rollback rollback) {
    }

    /**
     * A rollback: its cause and sentence, the service whose failure began it (null when the release's own
     * check or an abort did), when it was decided, how long after that every service's traffic was back on its
     * previous version ({@code trafficBackMillis}), and each service's flip.
     */
    public record Rollback(RollbackCause cause, String reason, String service, Instant decided, Long trafficBackMillis, List<Flip> flips) {
        public Rollback {
            flips = List.copyOf(flips);
        }
    }

    /** One service's traffic back on its previous version, {@code millis} after the decision. */
    public record Flip(String service, long millis, String message) {
    }

    /**
     * A fleet: its customers, how many ended promoted, failed (each rolled itself back) and were not started, its
     * failure budget in words and in customers ({@code allowed}), and whether the failures exceeded it.
     */
    public record Fleet(String service, String version, int done, int failed, int notStarted, String budget, int allowed, boolean exceeded,
                        List<Customer> customers) {
        public Fleet {
            customers = List.copyOf(customers);
        }
    }

    /** One customer of a fleet: its ring, where it ended, and why it failed when it did. */
    public record Customer(String customer, String deployment, String ring, Phase phase, String reason, RollbackCause cause) {
    }
}
