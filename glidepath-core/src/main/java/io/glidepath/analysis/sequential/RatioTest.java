package io.glidepath.analysis.sequential;

import java.util.Arrays;

/**
 * An anytime-valid test that the canary's rate of some event (5xx answers, slow requests) is no more
 * than {@code tolerance} times stable's, from per-interval counts on both tracks (Lindon &amp; Malek,
 * arXiv 2011.03567, section 4: a conditional binomial test).
 *
 * <p>Given E events in an interval of which e on the canary, and the canary's realized share of the
 * interval's requests rho, e is binomial with success probability
 * {@code theta(r) = r rho / (1 + rho (r - 1))}, r the ratio of the canary's event rate to stable's;
 * what both tracks share (load waves, a common error burst) cancels. Against each alternative
 * {@code r_j = tolerance * g_j} the log likelihood ratio grows by
 * {@code e log(r_j / r0) - E log[(1 + rho (r_j - 1)) / (1 + rho (r0 - 1))]}; the e-value is the
 * equal-weight mixture of the {@code exp(L_j)}. While the canary is no worse than the tolerance it is
 * a nonnegative supermartingale, so by Ville's inequality it ever reaches {@code 1/alpha} with
 * probability at most alpha, however often it is looked at.
 *
 * <p>Each interval's factor is capped at {@link #CAP}: errors that come in clusters (a heavy client, a
 * pause on one track) are not independent as the model assumes, and one such interval must not decide
 * alone; a capped factor only makes the process smaller, so it stays valid.
 */
public final class RatioTest {
    /** Alternatives as multiples of the tolerance, mixed with equal weights. */
    static final double[] GRID = {1.2, 1.5, 2, 3, 5, 10};
    /** The most one interval may multiply the evidence by, per alternative. */
    public static final double CAP = 10;
    private static final double LOG_CAP = Math.log(CAP);

    private final double tolerance;
    private final double[] logL;

    /** A fresh test: no evidence yet. */
    public RatioTest(double tolerance) {
        this(tolerance, new double[GRID.length]);
    }

    private RatioTest(double tolerance, double[] logL) {
        if (!(tolerance >= 1)) {
            throw new IllegalArgumentException("the tolerated ratio must be at least 1; got " + tolerance);
        }
        this.tolerance = tolerance;
        this.logL = logL;
    }

    /** A test going on from {@link #state()} (a restart must not spend a fresh alpha). */
    public static RatioTest restore(double tolerance, double[] state) {
        if (state.length != GRID.length) {
            throw new IllegalArgumentException("a ratio test's state has " + GRID.length + " values; got " + state.length);
        }
        return new RatioTest(tolerance, state.clone());
    }

    /** Takes one interval's counts: events and requests on the canary and on stable. */
    public void update(long canaryEvents, long canaryRequests, long stableEvents, long stableRequests) {
        long events = canaryEvents + stableEvents;
        if (events == 0 || canaryRequests == 0 || stableRequests == 0) {
            return; // no event, or one track without traffic: the interval says nothing about the ratio
        }
        double rho = (double) canaryRequests / (canaryRequests + stableRequests);
        double base = Math.log1p(rho * (tolerance - 1));
        for (int j = 0; j < GRID.length; j++) {
            double r = tolerance * GRID[j];
            double step = canaryEvents * Math.log(GRID[j]) - events * (Math.log1p(rho * (r - 1)) - base);
            logL[j] += Math.min(step, LOG_CAP);
        }
    }

    /** The evidence against "no worse than the tolerance": 1 at the start; reject at {@code 1/alpha}. */
    public double eValue() {
        double sum = 0;
        for (double l : logL) {
            sum += Math.exp(Math.min(l, 700));
        }
        return sum / GRID.length;
    }

    public double tolerance() {
        return tolerance;
    }

    /** What a restarted server needs to go on: the log evidence per alternative. */
    public double[] state() {
        return logL.clone();
    }

    @Override
    public String toString() {
        return "RatioTest[tolerance=" + tolerance + ", logL=" + Arrays.toString(logL) + "]";
    }
}
