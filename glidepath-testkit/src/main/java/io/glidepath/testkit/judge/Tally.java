package io.glidepath.testkit.judge;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * One contender's results in one cell (a scenario at one horizon) over many runs: how many rolled
 * back (before the regression's onset too), when, how many canary errors were served, and how many
 * runs ended without a judgement. Decision times count from the onset; a run that did not roll back
 * by the horizon counts as never deciding, so a quantile is unknown (censored) when fewer runs than
 * it needs decided.
 */
public final class Tally {
    private final int onset;
    private int runs;
    private int rollbacks;
    private int early;
    private int inconclusive;
    private int[] times = new int[16];
    private int decided;
    private long[] served = new long[16];

    public Tally(int onsetSeconds) {
        this.onset = onsetSeconds;
    }

    public synchronized void add(JudgeRun.Outcome o) {
        if (runs == served.length) {
            served = Arrays.copyOf(served, runs * 2);
        }
        served[runs++] = o.canaryErrorsServed();
        if (o.inconclusive()) {
            inconclusive++;
        }
        if (o.rolledBack()) {
            rollbacks++;
            if (o.decidedAt() <= onset) {
                early++;
            } else {
                if (decided == times.length) {
                    times = Arrays.copyOf(times, decided * 2);
                }
                times[decided++] = o.decidedAt() - onset;
            }
        }
    }

    public synchronized int runs() {
        return runs;
    }

    /** Runs rolled back by the horizon, before the onset included. */
    public synchronized int rollbacks() {
        return rollbacks;
    }

    /** Runs rolled back before the regression began (at or before its onset second). */
    public synchronized int early() {
        return early;
    }

    public synchronized int inconclusive() {
        return inconclusive;
    }

    /** Seconds from the onset to the decision at quantile {@code q} over all runs; empty when fewer than that share decided after the onset. */
    public synchronized OptionalDouble decisionSeconds(double q) {
        if (runs == 0) {
            return OptionalDouble.empty();
        }
        int rank = (int) Math.ceil(q * runs);
        if (rank < 1) {
            rank = 1;
        }
        if (rank > decided) {
            return OptionalDouble.empty();
        }
        int[] s = Arrays.copyOf(times, decided);
        Arrays.sort(s);
        return OptionalDouble.of(s[rank - 1]);
    }

    /** The median over all runs of the canary errors served from the onset until the decision or the horizon. */
    public synchronized double medianErrorsServed() {
        if (runs == 0) {
            return 0;
        }
        long[] s = Arrays.copyOf(served, runs);
        Arrays.sort(s);
        return runs % 2 == 1 ? s[runs / 2] : (s[runs / 2 - 1] + s[runs / 2]) / 2.0;
    }
}
