package io.glidepath.analysis;

import java.util.List;
import java.util.Locale;
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
     * canary's rate to stable's with its anytime-valid interval (null while no event was seen), and how
     * much its events cluster (the dispersion its evidence is divided by; null where nothing is divided).
     */
    public record MetricEvidence(String metric, double eValue, Double ratio, Double low, Double high, Double dispersion) {
        /** A dispersion this far above 1 is worth saying: the evidence grows noticeably slower for it. */
        public static final double WORTH_SAYING = 1.1;

        public MetricEvidence(String metric, double eValue, Double ratio, Double low, Double high) {
            this(metric, eValue, ratio, low, high, null);
        }

        /** ", bursty: evidence divided by 1.80" when the events cluster enough to slow the evidence, else "". */
        public String bursts() {
            return dispersion == null || dispersion < WORTH_SAYING ? ""
                    : String.format(Locale.ROOT, ", bursty: evidence divided by %.2f", dispersion);
        }
    }

    public boolean failed() {
        return outcome == Outcome.FAIL;
    }
}
