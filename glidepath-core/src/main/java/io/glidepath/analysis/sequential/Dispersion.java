package io.glidepath.analysis.sequential;

/**
 * How much more the canary's share of an interval's events varies than the binomial model of
 * {@link RatioTest} allows, measured on the intervals already seen.
 *
 * <p>The model counts every request as an independent draw. Events that come in clusters break it: a
 * stop-the-world pause fails or delays a burst of one track's requests in one second, a slow
 * dependency call delays a handful at once. A cluster of K events that all land on one track moves the
 * count by K, so the canary's count varies about E[K^2]/E[K] times as much as the model says, and a
 * likelihood ratio built on the model then grows faster than a martingale can: healthy canaries whose
 * pauses happened to fall more on their side get rolled back. That factor is what this estimates, as
 * the Pearson ratio of the squared residuals to the variance the model predicts, pooled over every
 * interval with an event:
 * {@code (sum (e - E p)^2 + PRIOR) / (sum E p (1 - p) + PRIOR)}, at least 1, where {@code p} is the
 * canary's share of the interval's events at the recently observed ratio (so a regression that has
 * moved the ratio is not taken for scatter). Intervals with one event carry no scatter beyond the
 * model's and pull the figure towards 1, as they should.
 *
 * <p>{@link RatioTest} divides each interval's log likelihood ratio by the figure from the intervals
 * before it (quasi-likelihood): with clusters of a fixed size K that is exactly the likelihood ratio
 * of the clusters, which are independent; with no clustering the figure stays near 1 and costs
 * little (its chance excess over 1 in the first seconds), and a tempered likelihood ratio is still an
 * e-value (Jensen: E[LR^(1/d)] <= E[LR]^(1/d) = 1), so being over-cautious never breaks validity.
 */
public final class Dispersion {
    /** Pseudo-variance at dispersion 1: a first burst moves the figure, but not as if it were all there is. */
    static final double PRIOR = 5;
    /** How quickly the ratio the residuals are taken against forgets: about two minutes of 1 s intervals. */
    static final double RATIO_MEMORY = 1 - 1.0 / 120;

    /** What a restarted server needs to go on. */
    public record State(double squares, double variance, double canaryWeighted, double stableWeighted) {
        public static final State FRESH = new State(0, 0, 0, 0);
    }

    private double squares;
    private double variance;
    private double canaryWeighted;
    private double stableWeighted;

    public Dispersion() {
        this(State.FRESH);
    }

    public Dispersion(State state) {
        if (!(state.squares() >= 0 && state.variance() >= 0 && state.canaryWeighted() >= 0 && state.stableWeighted() >= 0)) {
            throw new IllegalArgumentException("a dispersion's sums must be non-negative numbers; got " + state);
        }
        this.squares = state.squares();
        this.variance = state.variance();
        this.canaryWeighted = state.canaryWeighted();
        this.stableWeighted = state.stableWeighted();
    }

    /** The factor for the next interval: at least 1, from the intervals before it only. */
    public double factor() {
        return Math.max(1, (squares + PRIOR) / (variance + PRIOR));
    }

    /** The recent ratio of the canary's event rate to stable's (1 before any event). */
    double recentRatio() {
        return (canaryWeighted + 0.5) / (stableWeighted + 0.5);
    }

    /** Takes one interval's events on each track, with the canary's share of the units they come from. */
    public void add(long canaryEvents, long stableEvents, double canaryShare) {
        long events = canaryEvents + stableEvents;
        if (events == 0 || !(canaryShare > 0 && canaryShare < 1)) {
            return;
        }
        double r = recentRatio();
        double p = r * canaryShare / (1 + canaryShare * (r - 1));
        double residual = canaryEvents - events * p;
        squares += residual * residual;
        variance += events * p * (1 - p);
        // each track's events weighted by the other track's share: the two sums' ratio estimates r whatever the split
        canaryWeighted = RATIO_MEMORY * canaryWeighted + canaryEvents * (1 - canaryShare);
        stableWeighted = RATIO_MEMORY * stableWeighted + stableEvents * canaryShare;
    }

    public State state() {
        return new State(squares, variance, canaryWeighted, stableWeighted);
    }
}
