package io.glidepath.analysis.sequential;

import java.util.ArrayList;
import java.util.List;

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
 * {@code e log(r_j / r0) - E log[(1 + rho (r_j - 1)) / (1 + rho (r0 - 1))]}; a copy's e-value is
 * the equal-weight mixture of the {@code exp(L_j)}. While the canary is no worse than the tolerance
 * each is a nonnegative supermartingale.
 *
 * <p>A regression that begins late (after minutes of a healthy canary) would have to climb out of the
 * evidence for the canary built meanwhile; so copies of the test also start afresh every
 * {@link #RESTART_EVERY} intervals, up to {@link #RESTARTS}. The e-value is a fixed-weight mixture:
 * half on the copy started at the beginning, half shared equally by the restarts (each counts as 1
 * before it starts). A fixed-weight mixture of supermartingales is one, so by Ville's inequality it
 * ever reaches {@code 1/alpha} with probability at most alpha, however often it is looked at. Only the
 * {@link #ALIVE} most recent restarts are kept: dropping a term only makes the process smaller.
 *
 * <p>Each interval's factor from requests is capped at {@link #CAP}: errors that come in clusters (a
 * heavy client, a pause on one track) are not independent as the model assumes, and one such interval
 * must not decide alone; a capped factor only makes the process smaller, so it stays valid. Events
 * that are independent by design (each client's first error on a sticky split, which randomizes
 * clients) are not capped: a canary that fails a hundred of its clients in one second is decided in
 * that second.
 */
public final class RatioTest {
    /** Alternatives as multiples of the tolerance, mixed with equal weights. */
    static final double[] GRID = {1.2, 1.5, 2, 3, 5, 10};
    /** The most one interval may multiply the evidence by, per alternative. */
    public static final double CAP = 10;
    /** Intervals between restarts. */
    static final int RESTART_EVERY = 30;
    /** Restarts in all (at 1 s intervals, the first 30 minutes). */
    static final int RESTARTS = 60;
    /** Restarts kept at once. */
    static final int ALIVE = 8;
    private static final double LOG_CAP = Math.log(CAP);

    /** A copy of the test: the interval it started at (0 for the first) and its log evidence per alternative. */
    public record Copy(long startedAt, double[] logL) {
        public Copy {
            if (logL.length != GRID.length) {
                throw new IllegalArgumentException("a ratio test's copy has " + GRID.length + " values; got " + logL.length);
            }
            logL = logL.clone();
        }
    }

    /** What a restarted server needs to go on: intervals seen, and every live copy. */
    public record State(long intervals, List<Copy> copies) {
        public State {
            copies = List.copyOf(copies);
        }
    }

    private final double tolerance;
    private long intervals;
    private final List<double[]> logL = new ArrayList<>();
    private final List<Long> startedAt = new ArrayList<>();

    /** A fresh test: no evidence yet. */
    public RatioTest(double tolerance) {
        if (!(tolerance >= 1)) {
            throw new IllegalArgumentException("the tolerated ratio must be at least 1; got " + tolerance);
        }
        this.tolerance = tolerance;
        logL.add(new double[GRID.length]);
        startedAt.add(0L);
    }

    /** A test going on from {@link #state()} (a restart must not spend a fresh alpha). */
    public static RatioTest restore(double tolerance, State state) {
        RatioTest t = new RatioTest(tolerance);
        t.intervals = state.intervals();
        t.logL.clear();
        t.startedAt.clear();
        for (Copy c : state.copies()) {
            t.logL.add(c.logL().clone());
            t.startedAt.add(c.startedAt());
        }
        if (t.startedAt.isEmpty() || t.startedAt.get(0) != 0) {
            throw new IllegalArgumentException("a ratio test's state must hold the copy started at the beginning");
        }
        return t;
    }

    /** Takes one interval's counts: events and requests on the canary and on stable. */
    public void update(long canaryEvents, long canaryRequests, long stableEvents, long stableRequests) {
        double rho = canaryRequests == 0 || stableRequests == 0 ? 0 : (double) canaryRequests / (canaryRequests + stableRequests);
        update(canaryEvents, stableEvents, rho, true);
    }

    /**
     * Takes one interval's events on the canary and on stable, with the canary's share of the units
     * the events come from: its realized share of requests, or on a sticky split its share of
     * clients (each client's first error is one event). {@code clustered}: the events may come in
     * clusters (requests), so the interval's factor is capped.
     */
    public void update(long canaryEvents, long stableEvents, double canaryShare, boolean clustered) {
        intervals++;
        if (intervals % RESTART_EVERY == 0 && intervals / RESTART_EVERY <= RESTARTS) {
            logL.add(new double[GRID.length]);
            startedAt.add(intervals);
            if (logL.size() > ALIVE + 1) {
                logL.remove(1);
                startedAt.remove(1);
            }
        }
        long events = canaryEvents + stableEvents;
        if (events == 0 || !(canaryShare > 0 && canaryShare < 1)) {
            return; // no event, or one track without traffic: the interval says nothing about the ratio
        }
        double rho = canaryShare;
        double base = Math.log1p(rho * (tolerance - 1));
        double[] step = new double[GRID.length];
        for (int j = 0; j < GRID.length; j++) {
            double r = tolerance * GRID[j];
            double llr = canaryEvents * Math.log(GRID[j]) - events * (Math.log1p(rho * (r - 1)) - base);
            step[j] = clustered ? Math.min(llr, LOG_CAP) : llr;
        }
        for (double[] l : logL) {
            for (int j = 0; j < GRID.length; j++) {
                l[j] += step[j];
            }
        }
    }

    /** The evidence against "no worse than the tolerance": at most 1 at the start; reject at {@code 1/alpha}. */
    public double eValue() {
        double e = 0.5 * mixture(logL.get(0));
        double perRestart = 0.5 / RESTARTS;
        long started = Math.min(intervals / RESTART_EVERY, RESTARTS);
        for (int i = 1; i < logL.size(); i++) {
            e += perRestart * mixture(logL.get(i));
        }
        // restarts not started yet count as 1 each; restarts dropped count as 0 (only smaller)
        e += perRestart * (RESTARTS - started);
        return e;
    }

    private static double mixture(double[] l) {
        double sum = 0;
        for (double v : l) {
            sum += Math.exp(Math.min(v, 700));
        }
        return sum / GRID.length;
    }

    public double tolerance() {
        return tolerance;
    }

    public State state() {
        List<Copy> copies = new ArrayList<>();
        for (int i = 0; i < logL.size(); i++) {
            copies.add(new Copy(startedAt.get(i), logL.get(i)));
        }
        return new State(intervals, copies);
    }
}
