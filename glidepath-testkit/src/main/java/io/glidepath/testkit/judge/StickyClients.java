package io.glidepath.testkit.judge;

import java.util.random.RandomGenerator;

/**
 * The {@link Scenario.Variant#STICKY} traffic: 1,000 clients with Zipf weights (exponent 1), each with
 * its own error propensity (lognormal, sigma 0.5, scaled so that the traffic-weighted mean is 1) and
 * its own place on the split (a client is on the canary while its place is below the canary's share,
 * so it keeps its track as the weight grows, as the router's sticky split does). The 50 heaviest
 * (60% of the traffic) are drawn one by one and come in sessions: on a third of the time, at three
 * times their mean rate, a session lasting 20 s on average; the other 950 are drawn per track in bulk.
 */
final class StickyClients {
    static final int CLIENTS = 1000;
    static final int HEAVY = 50;
    static final double SIGMA = 0.5;
    private static final double ON_TO_OFF = 1.0 / 20;
    private static final double OFF_TO_ON = 1.0 / 40;
    private static final double DUTY = OFF_TO_ON / (OFF_TO_ON + ON_TO_OFF);

    private final double[] weight = new double[CLIENTS];
    private final double[] propensity = new double[CLIENTS];
    private final double[] place = new double[CLIENTS];
    private final boolean[] on = new boolean[HEAVY];
    /** The light clients' weight and propensity-weighted weight on each track, for the share last computed. */
    private double lightShare = -1;
    private double lightStable;
    private double lightStablePropensity;
    private double lightCanary;
    private double lightCanaryPropensity;

    StickyClients(RandomGenerator rng) {
        double h = 0;
        for (int k = 0; k < CLIENTS; k++) {
            h += 1.0 / (k + 1);
        }
        double mean = 0;
        for (int k = 0; k < CLIENTS; k++) {
            weight[k] = 1.0 / (k + 1) / h;
            propensity[k] = Math.exp(SIGMA * rng.nextGaussian());
            place[k] = rng.nextDouble();
            mean += weight[k] * propensity[k];
        }
        for (int k = 0; k < CLIENTS; k++) {
            propensity[k] /= mean;
        }
        for (int k = 0; k < HEAVY; k++) {
            on[k] = rng.nextDouble() < DUTY;
        }
    }

    /** Fills {@code out} with stable requests, stable errors, canary requests, canary errors for one second. */
    void second(RandomGenerator rng, double rate, double share, double stableErrors, double canaryErrors, long[] out) {
        for (int k = 0; k < HEAVY; k++) {
            on[k] = on[k] ? rng.nextDouble() >= ON_TO_OFF : rng.nextDouble() < OFF_TO_ON;
            if (!on[k]) {
                continue;
            }
            boolean canary = place[k] < share;
            long requests = Draw.poisson(rng, rate * weight[k] / DUTY);
            long errors = Draw.binomial(rng, requests, Math.min(1, (canary ? canaryErrors : stableErrors) * propensity[k]));
            out[canary ? 2 : 0] += requests;
            out[canary ? 3 : 1] += errors;
        }
        if (share != lightShare) {
            lightShare = share;
            lightStable = lightStablePropensity = lightCanary = lightCanaryPropensity = 0;
            for (int k = HEAVY; k < CLIENTS; k++) {
                if (place[k] < share) {
                    lightCanary += weight[k];
                    lightCanaryPropensity += weight[k] * propensity[k];
                } else {
                    lightStable += weight[k];
                    lightStablePropensity += weight[k] * propensity[k];
                }
            }
        }
        long stable = Draw.poisson(rng, rate * lightStable);
        long canary = Draw.poisson(rng, rate * lightCanary);
        out[0] += stable;
        out[1] += Draw.binomial(rng, stable, lightStable == 0 ? 0 : Math.min(1, stableErrors * lightStablePropensity / lightStable));
        out[2] += canary;
        out[3] += Draw.binomial(rng, canary, lightCanary == 0 ? 0 : Math.min(1, canaryErrors * lightCanaryPropensity / lightCanary));
    }
}
