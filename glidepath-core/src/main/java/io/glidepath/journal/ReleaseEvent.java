package io.glidepath.journal;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.analysis.Verdict;
import io.glidepath.migration.MigrationPhase;
import io.glidepath.policy.EvidenceCheck;
import io.glidepath.spec.ChosenStrategy;
import io.glidepath.spec.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What happened in a release, as journaled (before the next side effect) and streamed to whoever
 * follows it. Each event has a sentence for people; the fields are for programs.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ReleaseEvent.Submitted.class, name = "submitted"),
        @JsonSubTypes.Type(value = ReleaseEvent.PhaseChanged.class, name = "phase"),
        @JsonSubTypes.Type(value = ReleaseEvent.InstancesStarted.class, name = "instancesStarted"),
        @JsonSubTypes.Type(value = ReleaseEvent.InstanceReady.class, name = "instanceReady"),
        @JsonSubTypes.Type(value = ReleaseEvent.CheckResult.class, name = "check"),
        @JsonSubTypes.Type(value = ReleaseEvent.TrafficChanged.class, name = "traffic"),
        @JsonSubTypes.Type(value = ReleaseEvent.VerdictGiven.class, name = "verdict"),
        @JsonSubTypes.Type(value = ReleaseEvent.StepDone.class, name = "step"),
        @JsonSubTypes.Type(value = ReleaseEvent.RollbackDecided.class, name = "rollbackDecided"),
        @JsonSubTypes.Type(value = ReleaseEvent.TrafficRestored.class, name = "trafficRestored"),
        @JsonSubTypes.Type(value = ReleaseEvent.InstancesStopped.class, name = "instancesStopped"),
        @JsonSubTypes.Type(value = ReleaseEvent.Finished.class, name = "finished"),
        @JsonSubTypes.Type(value = ReleaseEvent.Note.class, name = "note"),
        @JsonSubTypes.Type(value = ReleaseEvent.WaveChanged.class, name = "wave"),
        @JsonSubTypes.Type(value = ReleaseEvent.Queued.class, name = "queued"),
        @JsonSubTypes.Type(value = ReleaseEvent.RouteBefore.class, name = "routeBefore"),
        @JsonSubTypes.Type(value = ReleaseEvent.MigrationChanged.class, name = "migration"),
        @JsonSubTypes.Type(value = ReleaseEvent.CustomerFailed.class, name = "customerFailed"),
        @JsonSubTypes.Type(value = ReleaseEvent.PolicyApplied.class, name = "policy"),
        @JsonSubTypes.Type(value = ReleaseEvent.EvidenceChecked.class, name = "evidence"),
        @JsonSubTypes.Type(value = ReleaseEvent.ApprovalChanged.class, name = "approval"),
        @JsonSubTypes.Type(value = ReleaseEvent.StrategyChosen.class, name = "strategy"),
        @JsonSubTypes.Type(value = ReleaseEvent.RiskAssessed.class, name = "risk")})
public sealed interface ReleaseEvent {
    Instant at();

    /** The service concerned, or null for the release as a whole. */
    String service();

    String message();

    /** The release starts: its services, and their waves (names by wave; empty in journals written before waves). */
    record Submitted(Instant at, String service, String message, List<String> services, List<List<String>> waves) implements ReleaseEvent {
        public Submitted {
            waves = waves == null ? List.of() : waves;
        }
    }

    record PhaseChanged(Instant at, String service, String message, Phase phase, String version) implements ReleaseEvent {
    }

    record InstancesStarted(Instant at, String service, String message, String version, List<StartedInstance> instances) implements ReleaseEvent {
    }

    record StartedInstance(String id, String address, long pid, String log) {
    }

    record InstanceReady(Instant at, String service, String message, String instance, long millis) implements ReleaseEvent {
    }

    record CheckResult(Instant at, String service, String message, String check, String target, boolean passed) implements ReleaseEvent {
    }

    /** The route as the engine just set it: who is stable, canary, preview, and the canary weight. */
    record TrafficChanged(Instant at, String service, String message, String stableVersion, String canaryVersion,
                          int canaryWeight, long generation) implements ReleaseEvent {
    }

    /**
     * An analysis verdict with its figures. A sequential judge adds its evidence ({@code evidence}
     * against the canary so far, {@code needed} to roll back, each metric's) and its {@code state}
     * (what a restarted server goes on from); null for a judge of each window alone.
     */
    record VerdictGiven(Instant at, String service, String message, Verdict.Outcome outcome, long stableRequests, double stableErrorRate,
                        long canaryRequests, double canaryErrorRate, Double canaryP99Millis, Double stableP99Millis, Double evidence,
                        Double needed, List<Verdict.MetricEvidence> metrics, JsonNode state) implements ReleaseEvent {
        /** A verdict of a judge that keeps no evidence. */
        public VerdictGiven(Instant at, String service, String message, Verdict.Outcome outcome, long stableRequests, double stableErrorRate,
                            long canaryRequests, double canaryErrorRate, Double canaryP99Millis, Double stableP99Millis) {
            this(at, service, message, outcome, stableRequests, stableErrorRate, canaryRequests, canaryErrorRate, canaryP99Millis, stableP99Millis,
                    null, null, null, null);
        }
    }

    /**
     * A canary step is done: its weight set, its bake watched, its manual pause promoted. {@code step}
     * counts from 1 among the service's {@code of} steps; a restarted server goes on after the last one.
     */
    record StepDone(Instant at, String service, String message, int step, int of) implements ReleaseEvent {
    }

    /** A rollback begins: {@code reason} for people, {@code cause} for programs (null in journals written before causes). */
    record RollbackDecided(Instant at, String service, String message, String reason, RollbackCause cause) implements ReleaseEvent {
    }

    /** Traffic is back on the previous version; {@code millis} from the decision. */
    record TrafficRestored(Instant at, String service, String message, long millis) implements ReleaseEvent {
    }

    record InstancesStopped(Instant at, String service, String message, String version, List<String> instances) implements ReleaseEvent {
    }

    /**
     * The release ended; {@code reason} says why when it did not promote, {@code cause} why it rolled
     * back (each null when not, and in journals written before they existed).
     */
    record Finished(Instant at, String service, String message, Outcome outcome, String reason, RollbackCause cause) implements ReleaseEvent {
    }

    record Note(Instant at, String service, String message) implements ReleaseEvent {
    }

    /**
     * A wave starts (its services), waits at a fleet ring's manual gate, bakes after a ring, or is
     * done. Waves count from 1; {@code ring} names the fleet's ring the wave is (null for others).
     */
    record WaveChanged(Instant at, String service, String message, int wave, List<String> services, WaveState state, String ring)
            implements ReleaseEvent {
        public WaveChanged(Instant at, String service, String message, int wave, List<String> services, WaveState state) {
            this(at, service, message, wave, services, state, null);
        }
    }

    /**
     * A customer of a fleet failed and its own rollback put it back on its previous version. Within
     * the fleet's failure budget the release goes on ({@code exceeded} false); beyond it the release
     * stops, and {@code keep} says whether the customers already updated keep the new version.
     */
    record CustomerFailed(Instant at, String service, String message, String fleet, String customer, String ring, String reason,
                          RollbackCause cause, int failed, int allowed, boolean exceeded, boolean keep) implements ReleaseEvent {
    }

    /**
     * The service's route as it was before the deployment changed it, in the router's JSON form
     * (docs/router.md, without its preview key): what a rollback puts back, match, stickiness and each
     * previous endpoint's health check included, even after a restart.
     */
    record RouteBefore(Instant at, String service, String message, JsonNode route) implements ReleaseEvent {
    }

    /**
     * A database's migrations moved ({@code step}); {@code phase} is expand or contract, {@code file} the
     * migration file concerned (relative to the release file; null for a whole phase), {@code findings}
     * the safety gate's (with the reason of each one the release file allows) on its verdict.
     */
    record MigrationChanged(Instant at, String service, String message, String database, MigrationPhase phase, MigrationStep step, String file,
                            List<GateFinding> findings) implements ReleaseEvent {
        public MigrationChanged {
            findings = findings == null ? List.of() : List.copyOf(findings);
        }
    }

    /** One finding of the migration safety gate as journaled: where, which rule, what, and the reason the release file allows it (or null). */
    record GateFinding(String file, int line, String rule, String detail, String allowedBecause) {
    }

    /**
     * What the server's policy asks of the release, fixed at submission: the approval rules it waits on and
     * until when ({@code approvalDeadline}, null when none), the evidence checks it must pass first, and
     * {@code override}: who opened a closed deploy window for it and why (null when none was).
     */
    record PolicyApplied(Instant at, String service, String message, List<String> approvalRules, Instant approvalDeadline,
                         List<EvidenceCheck> evidence, String override) implements ReleaseEvent {
        public PolicyApplied {
            approvalRules = approvalRules == null ? List.of() : List.copyOf(approvalRules);
            evidence = evidence == null ? List.of() : List.copyOf(evidence);
        }
    }

    /** One required evidence check ran before anything started: {@code check} as plan names it, what it found in {@code detail}. */
    record EvidenceChecked(Instant at, String service, String message, String check, boolean passed, String detail) implements ReleaseEvent {
    }

    /**
     * The release's approval: WAITING (until {@code deadline}), APPROVED ({@code by} whom, with their
     * {@code reason} when given) or TIMED_OUT.
     */
    record ApprovalChanged(Instant at, String service, String message, ApprovalState state, String by, String reason, Instant deadline)
            implements ReleaseEvent {
    }

    /**
     * What {@code strategy: auto} became for a service when the release was submitted: {@code strategy}, the
     * canary's {@code weights} (basis points) with a bake of {@code bakeMillis} after each, the risk
     * {@code level} and {@code probability} it was chosen for, and {@code why}. A restarted server runs the same.
     */
    record StrategyChosen(Instant at, String service, String message, Strategy strategy, List<Integer> weights, long bakeMillis, String level,
                          double probability, String why) implements ReleaseEvent {
        public StrategyChosen {
            weights = weights == null ? List.of() : List.copyOf(weights);
        }

        public StrategyChosen(Instant at, String service, String message, ChosenStrategy c) {
            this(at, service, message, c.strategy(), c.weights(), c.bake().toMillis(), c.level(), c.probability(), c.why());
        }

        public ChosenStrategy choice() {
            return new ChosenStrategy(strategy, weights, Duration.ofMillis(bakeMillis), level, probability, why);
        }
    }

    /**
     * How risky the server scored the release at submission, from its history: the {@code level}, the
     * chance of a rollback ({@code probability}), the {@code headline} in words, the largest factors as
     * sentences ({@code factors}) and the {@code advice} it gave (docs/risk.md).
     */
    record RiskAssessed(Instant at, String service, String message, String level, double probability, String headline, List<String> factors,
                        String advice) implements ReleaseEvent {
        public RiskAssessed {
            factors = factors == null ? List.of() : List.copyOf(factors);
        }
    }

    /** The release waits for another one holding some of its services. */
    record Queued(Instant at, String service, String message, String behind) implements ReleaseEvent {
    }
}
