package io.glidepath.analysis.sequential;

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
 * <p>Copies of the test start afresh as the canary goes on ({@link RestartingMixture}), so that a
 * regression that begins late is not held back by the evidence for the canary built before it.
 *
 * <p>Requests are not always independent as the model assumes: errors and slow requests come in
 * clusters (a pause on one track fails or delays a burst of requests at once). So for requests each
 * interval's log likelihood ratio is divided by the {@link Dispersion} measured on the intervals before
 * it (about 1 when events are independent, more when they cluster), and each interval's factor is then
 * capped at {@link #CAP} to the power 1/dispersion, so that one burst cannot decide alone: the
 * dispersion is an average over intervals with and without bursts, and a burst of K events moves the
 * count by more than that average says. A capped or tempered factor only makes the process smaller.
 * Events that are independent by design (each client's first error on a sticky split, which
 * randomizes clients) are neither: a canary that fails a hundred of its clients in one second is
 * decided in that second.
 */
public final class RatioTest {
    /** Alternatives as multiples of the tolerance, mixed with equal weights. */
    static final double[] GRID = {1.2, 1.5, 2, 3, 5, 10};
    /** The most one interval may multiply the evidence by, per alternative. */
    public static final double CAP = 10;
    private static final double LOG_CAP = Math.log(CAP);

    private final double tolerance;
    private final RestartingMixture evidence;
    private final Dispersion dispersion;

    /** A fresh test: no evidence yet. */
    public RatioTest(double tolerance) {
        this(tolerance, new RestartingMixture(GRID.length), new Dispersion());
    }

    private RatioTest(double tolerance, RestartingMixture evidence, Dispersion dispersion) {
        if (!(tolerance >= 1)) {
            throw new IllegalArgumentException("the tolerated ratio must be at least 1; got " + tolerance);
        }
        this.tolerance = tolerance;
        this.evidence = evidence;
        this.dispersion = dispersion;
    }

    /** A test going on from {@link #state()} (a restart must not spend a fresh alpha). */
    public static RatioTest restore(double tolerance, RestartingMixture.State state, Dispersion.State dispersion) {
        return new RatioTest(tolerance, RestartingMixture.restore(GRID.length, state, "ratio test"), new Dispersion(dispersion));
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
     * clusters (requests), so the interval's factor is tempered by the dispersion seen so far and capped.
     */
    public void update(long canaryEvents, long stableEvents, double canaryShare, boolean clustered) {
        evidence.nextInterval();
        long events = canaryEvents + stableEvents;
        if (events == 0 || !(canaryShare > 0 && canaryShare < 1)) {
            return; // no event, or one track without traffic: the interval says nothing about the ratio
        }
        double rho = canaryShare;
        double base = Math.log1p(rho * (tolerance - 1));
        double temper = clustered ? dispersion.factor() : 1;
        double[] step = new double[GRID.length];
        for (int j = 0; j < GRID.length; j++) {
            double r = tolerance * GRID[j];
            double llr = (canaryEvents * Math.log(GRID[j]) - events * (Math.log1p(rho * (r - 1)) - base)) / temper;
            step[j] = clustered ? Math.min(llr, LOG_CAP / temper) : llr;
        }
        evidence.add(step);
        if (clustered) {
            dispersion.add(canaryEvents, stableEvents, rho);
        }
    }

    /** The evidence against "no worse than the tolerance": at most 1 at the start; reject at {@code 1/alpha}. */
    public double eValue() {
        return evidence.eValue();
    }

    public double tolerance() {
        return tolerance;
    }

    /** How much more the events scatter than independent requests would (1: not at all): what the evidence is divided by. */
    public double dispersion() {
        return dispersion.factor();
    }

    public RestartingMixture.State state() {
        return evidence.state();
    }

    public Dispersion.State dispersionState() {
        return dispersion.state();
    }
}
