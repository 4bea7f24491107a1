package io.glidepath.spec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the canary is judged against stable, every {@code interval}. With the {@code thresholds} judge,
 * each rule gives a verdict over that interval's requests; {@code failAfter} failing intervals in a
 * row roll back; fewer than {@code minRequests} canary requests is inconclusive, not failing. With
 * the {@code sequential} judge, evidence accumulates over the whole canary and it rolls back as soon as
 * the evidence reaches {@code 1/alpha} ({@link Judging}). After promotion the new version is watched
 * for {@code postPromotion}. The figures come from the router unless {@code prometheus} names the
 * queries that read them from Prometheus.
 */
public record Analysis(Duration interval, long minRequests, int failAfter, Duration postPromotion, List<Rule> rules, Judging judging,
                       Optional<PrometheusSpec> prometheus) {

    public Analysis {
        rules = List.copyOf(rules);
    }

    /** An analysis on the router's figures. */
    public Analysis(Duration interval, long minRequests, int failAfter, Duration postPromotion, List<Rule> rules, Judging judging) {
        this(interval, minRequests, failAfter, postPromotion, rules, judging, Optional.empty());
    }

    /** An analysis judged by fixed thresholds (the judge of release files that name none). */
    public Analysis(Duration interval, long minRequests, int failAfter, Duration postPromotion, List<Rule> rules) {
        this(interval, minRequests, failAfter, postPromotion, rules, Judging.THRESHOLDS);
    }

    /**
     * Which judge and its settings. {@code alpha}: the most a healthy canary may be rolled back, over
     * its whole analysis however often it is judged (sequential only). {@code tolerance}: how much worse
     * than stable's a canary's error or slow-request rate may be before it counts as a regression (a
     * ratio; sequential only). {@code inconclusive}: what a canary that served fewer than
     * {@code minRequests} requests over its steps gets (sequential only: too little traffic to judge).
     * {@code warmup}: how long the canary takes traffic before its latency is compared with stable's (a
     * new process is slow until it is warm; sequential only).
     */
    public record Judging(Kind kind, double alpha, double tolerance, Inconclusive inconclusive, Duration warmup) {
        public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(30);
        public static final Judging THRESHOLDS = new Judging(Kind.THRESHOLDS, 0.01, 1.0, Inconclusive.PROMOTE, DEFAULT_WARMUP);
        public static final Judging SEQUENTIAL = new Judging(Kind.SEQUENTIAL, 0.01, 1.0, Inconclusive.PROMOTE, DEFAULT_WARMUP);

        public enum Kind { THRESHOLDS, SEQUENTIAL }

        public enum Inconclusive { PROMOTE, ROLLBACK }
    }

    /** One thing the canary must satisfy. */
    public sealed interface Rule {
        /** Error rates as fractions (0.01 = 1%): the canary's own and its excess over stable. */
        record ErrorRate(Optional<Double> max, Optional<Double> maxIncrease) implements Rule {
        }

        /** A latency percentile (such as 99) must stay at or under {@code max}. */
        record Latency(double percentile, Duration max) implements Rule {
        }

        /**
         * A figure of the service's own (a business metric such as checkouts per request), read from
         * Prometheus by {@code query} per track and window, that must stay at or above {@code min}
         * and/or at or under {@code max}. {@code name} names it in verdicts and in the figures.
         */
        record Metric(String name, String query, Optional<Double> min, Optional<Double> max) implements Rule {
        }
    }
}
