package io.glidepath.analysis.sequential;

/**
 * An anytime-valid test that one track's share of some event (5xx answers, requests slower than a
 * limit) is at most {@code limit}: an absolute guard such as "errors at most 1%" or "p99 at most
 * 300 ms" (at most 1% of requests slower than 300 ms). Against alternatives {@code limit * g_j} the
 * log likelihood ratio of an interval with e events in n requests grows by
 * {@code e log(g_j) + (n - e) log((1 - g_j limit) / (1 - limit))}; the e-value is their equal-weight
 * mixture, capped per interval as {@link RatioTest}'s is.
 */
public final class RateTest {
    static final double[] GRID = {1.5, 2, 4};
    private static final double LOG_CAP = Math.log(RatioTest.CAP);

    private final double limit;
    private final double[] logL;

    public RateTest(double limit) {
        this(limit, new double[GRID.length]);
    }

    private RateTest(double limit, double[] logL) {
        if (!(limit > 0 && limit < 1)) {
            throw new IllegalArgumentException("a rate limit must be between 0 and 1 exclusive; got " + limit);
        }
        this.limit = limit;
        this.logL = logL;
    }

    public static RateTest restore(double limit, double[] state) {
        if (state.length != GRID.length) {
            throw new IllegalArgumentException("a rate test's state has " + GRID.length + " values; got " + state.length);
        }
        return new RateTest(limit, state.clone());
    }

    /** Takes one interval: {@code events} among {@code requests}. */
    public void update(long events, long requests) {
        if (requests == 0) {
            return;
        }
        for (int j = 0; j < GRID.length; j++) {
            double p = Math.min(limit * GRID[j], 0.999_999);
            double step = events * Math.log(p / limit) + (requests - events) * (Math.log1p(-p) - Math.log1p(-limit));
            logL[j] += Math.min(step, LOG_CAP);
        }
    }

    public double eValue() {
        double sum = 0;
        for (double l : logL) {
            sum += Math.exp(Math.min(l, 700));
        }
        return sum / GRID.length;
    }

    public double limit() {
        return limit;
    }

    public double[] state() {
        return logL.clone();
    }
}
