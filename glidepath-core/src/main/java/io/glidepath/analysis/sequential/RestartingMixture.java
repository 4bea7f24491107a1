package io.glidepath.analysis.sequential;

import java.util.ArrayList;
import java.util.List;

/**
 * The evidence of a test built from copies of itself: one started at the beginning and one started
 * afresh every {@link #RESTART_EVERY} intervals, up to {@link #RESTARTS}, each an equal-weight mixture
 * of {@code width} alternatives (log evidence per alternative). A regression that begins late (after
 * minutes of a healthy canary) would otherwise have to climb out of the evidence for the canary built
 * meanwhile.
 *
 * <p>The e-value is a fixed-weight mixture: half on the copy started at the beginning, half shared
 * equally by the restarts (each counts as 1 before it starts). A fixed-weight mixture of
 * supermartingales is one, so by Ville's inequality it ever reaches {@code 1/alpha} with probability at
 * most alpha, however often it is looked at. Only the {@link #ALIVE} most recent restarts are kept:
 * dropping a term only makes the process smaller.
 */
public final class RestartingMixture {
    /** Intervals between restarts. */
    static final int RESTART_EVERY = 30;
    /** Restarts in all (at 1 s intervals, the first 30 minutes). */
    static final int RESTARTS = 60;
    /** Restarts kept at once. */
    static final int ALIVE = 8;

    /** A copy of the test: the interval it started at (0 for the first) and its log evidence per alternative. */
    public record Copy(long startedAt, double[] logL) {
        public Copy {
            logL = logL.clone();
        }
    }

    /** What a restarted server needs to go on: intervals seen, and every live copy. */
    public record State(long intervals, List<Copy> copies) {
        public State {
            copies = List.copyOf(copies);
        }
    }

    private final int width;
    private long intervals;
    private final List<double[]> logL = new ArrayList<>();
    private final List<Long> startedAt = new ArrayList<>();

    /** No evidence yet, over {@code width} alternatives. */
    public RestartingMixture(int width) {
        this.width = width;
        logL.add(new double[width]);
        startedAt.add(0L);
    }

    /** Going on from {@link #state()}; {@code what} names the test in the error a bad state gets. */
    public static RestartingMixture restore(int width, State state, String what) {
        RestartingMixture m = new RestartingMixture(width);
        m.intervals = state.intervals();
        m.logL.clear();
        m.startedAt.clear();
        for (Copy c : state.copies()) {
            if (c.logL().length != width) {
                throw new IllegalArgumentException("a " + what + "'s copy has " + width + " values; got " + c.logL().length);
            }
            m.logL.add(c.logL().clone());
            m.startedAt.add(c.startedAt());
        }
        if (m.startedAt.isEmpty() || m.startedAt.get(0) != 0) {
            throw new IllegalArgumentException("a " + what + "'s state must hold the copy started at the beginning");
        }
        return m;
    }

    /** Counts one interval, starting a fresh copy when one is due. */
    public void nextInterval() {
        intervals++;
        if (intervals % RESTART_EVERY == 0 && intervals / RESTART_EVERY <= RESTARTS) {
            logL.add(new double[width]);
            startedAt.add(intervals);
            if (logL.size() > ALIVE + 1) {
                logL.remove(1);
                startedAt.remove(1);
            }
        }
    }

    /** Adds log evidence per alternative to every live copy. */
    public void add(double[] step) {
        for (double[] l : logL) {
            for (int j = 0; j < width; j++) {
                l[j] += step[j];
            }
        }
    }

    /** The evidence against the null: at most 1 at the start; reject at {@code 1/alpha}. */
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

    private double mixture(double[] l) {
        double sum = 0;
        for (double v : l) {
            sum += Math.exp(Math.min(v, 700));
        }
        return sum / width;
    }

    public State state() {
        List<Copy> copies = new ArrayList<>();
        for (int i = 0; i < logL.size(); i++) {
            copies.add(new Copy(startedAt.get(i), logL.get(i)));
        }
        return new State(intervals, copies);
    }
}
