package io.glidepath.analysis;

import java.util.List;
import java.util.Optional;

/**
 * One interval's judgement, with the figures it rests on and a sentence a person can read; a
 * sequential judge adds its evidence so far.
 */
public record Verdict(Outcome outcome, String summary, List<String> failures, TrafficWindow figures, Optional<Evidence> evidence) {

    public enum Outcome { PASS, FAIL, INCONCLUSIVE }

    public Verdict {
        failures = List.copyOf(failures);
    }

    /** A verdict on this window alone. */
    public Verdict(Outcome outcome, String summary, List<String> failures, TrafficWindow figures) {
        this(outcome, summary, failures, figures, Optional.empty());
    }

    /**
     * A sequential judge's evidence against the canary: the combined e-value, what it must reach to
     * roll back ({@code 1/alpha}), and each metric's own.
     */
    public record Evidence(double eValue, double needed, List<MetricEvidence> metrics) {
        public Evidence {
            metrics = List.copyOf(metrics);
        }
    }

    /**
     * One metric's evidence: its e-value and, for a comparison with stable, the estimated ratio of the
     * canary's rate to stable's with its anytime-valid interval (null while no event was seen).
     */
    public record MetricEvidence(String metric, double eValue, Double ratio, Double low, Double high) {
    }

    public boolean failed() {
        return outcome == Outcome.FAIL;
    }
}
