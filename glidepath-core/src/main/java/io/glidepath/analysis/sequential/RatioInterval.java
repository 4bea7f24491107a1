package io.glidepath.analysis.sequential;

/**
 * An anytime-valid confidence interval for the ratio of the canary's event rate to stable's, from
 * the same per-interval counts as {@link RatioTest}: each candidate ratio on a logarithmic grid is
 * tested two-sided (a mixture of alternatives above and below it), and the interval is the
 * candidates never rejected at {@code alpha} so far (the running intersection, so it only narrows).
 * It covers the true ratio at every moment at once with probability at least {@code 1 - alpha}.
 * The estimate is the candidate of highest likelihood. Clustered events widen it as they slow the
 * test ({@link Dispersion}). For people to read; decisions are {@link RatioTest}'s.
 */
public final class RatioInterval {
    /** Candidates from 1/50 to 50, about 3% apart. */
    static final int CANDIDATES = 265;
    private static final double LOW = Math.log(1.0 / 50);
    private static final double HIGH = Math.log(50);
    /** Two-sided alternatives, as multiples of the candidate. */
    private static final double[] SIDES = {1.2, 1.5, 2, 3, 5, 10, 1 / 1.2, 1 / 1.5, 1 / 2.0, 1 / 3.0, 1 / 5.0, 1 / 10.0};
    private static final double LOG_CAP = Math.log(RatioTest.CAP);

    /** An estimate of the ratio with its interval; empty ({@code events == 0}) until an event happened on either track. */
    public record Estimate(double ratio, double low, double high, long events) {
        public boolean known() {
            return events > 0;
        }
    }

    private final double threshold;
    private final double[] candidate = new double[CANDIDATES];
    private final double[][] logL = new double[CANDIDATES][SIDES.length];
    private final double[] logLikelihood = new double[CANDIDATES];
    private final boolean[] rejected = new boolean[CANDIDATES];
    private final Dispersion dispersion = new Dispersion();
    private long events;

    public RatioInterval(double alpha) {
        this.threshold = Math.log(1 / alpha);
        for (int c = 0; c < CANDIDATES; c++) {
            candidate[c] = Math.exp(LOW + (HIGH - LOW) * c / (CANDIDATES - 1));
        }
    }

    /** Takes one interval's counts, as {@link RatioTest#update(long, long, long, long)} does. */
    public void update(long canaryEvents, long canaryRequests, long stableEvents, long stableRequests) {
        double rho = canaryRequests == 0 || stableRequests == 0 ? 0 : (double) canaryRequests / (canaryRequests + stableRequests);
        update(canaryEvents, stableEvents, rho, true);
    }

    /** Takes one interval's events with the canary's share of their units, as {@link RatioTest#update(long, long, double, boolean)} does. */
    public void update(long canaryEvents, long stableEvents, double canaryShare, boolean clustered) {
        long total = canaryEvents + stableEvents;
        if (total == 0 || !(canaryShare > 0 && canaryShare < 1)) {
            return;
        }
        events += total;
        double rho = canaryShare;
        double temper = clustered ? dispersion.factor() : 1;
        if (clustered) {
            dispersion.add(canaryEvents, stableEvents, rho);
        }
        for (int c = 0; c < CANDIDATES; c++) {
            double r = candidate[c];
            double base = Math.log1p(rho * (r - 1));
            logLikelihood[c] += canaryEvents * Math.log(r) - total * base;
            if (rejected[c]) {
                continue;
            }
            double sum = 0;
            for (int j = 0; j < SIDES.length; j++) {
                double alt = r * SIDES[j];
                double step = (canaryEvents * Math.log(SIDES[j]) - total * (Math.log1p(rho * (alt - 1)) - base)) / temper;
                logL[c][j] += clustered ? Math.min(step, LOG_CAP / temper) : step;
                sum += Math.exp(Math.min(logL[c][j], 700));
            }
            if (Math.log(sum / SIDES.length) >= threshold) {
                rejected[c] = true;
            }
        }
    }

    public Estimate estimate() {
        int best = 0;
        int low = -1;
        int high = -1;
        for (int c = 0; c < CANDIDATES; c++) {
            if (logLikelihood[c] > logLikelihood[best]) {
                best = c;
            }
            if (!rejected[c]) {
                low = low < 0 ? c : low;
                high = c;
            }
        }
        if (low < 0) { // every candidate rejected: the truth is off the grid, at its nearer end
            low = high = best;
        }
        return new Estimate(candidate[best], candidate[low], candidate[high], events);
    }
}
