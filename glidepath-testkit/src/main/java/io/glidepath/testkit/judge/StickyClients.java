package io.glidepath.testkit.judge;

import io.glidepath.analysis.ClientOutcome;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The {@link Scenario.Variant#STICKY} traffic: 1,000 clients with Zipf weights (exponent 1), each with
 * its own error propensity (lognormal, sigma 0.5, scaled so that the traffic-weighted mean is 1) and
 * its own place on the split (a client is on the canary while its place is below the canary's share,
 * so it keeps its track as the weight grows, as the router's sticky split does). The 50 heaviest
 * (60% of the traffic) are drawn one by one and come in sessions: on a third of the time, at three
 * times their mean rate, a session lasting 20 s on average; the other 950 are drawn per track in bulk,
 * and each of their errors is given to one of them by weight times propensity. As the router does on a
 * sticky split, it counts the clients whose first error came in each second, and reveals clients
 * with their requests and errors ({@link RevealedClients}).
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
    /** Clients that have had an error: each one's first error is counted once. */
    private final boolean[] erred = new boolean[CLIENTS];
    /** Cumulative weight times propensity of the light clients on each track, in client order, for the share last computed. */
    private final double[] stableCumulative = new double[CLIENTS - HEAVY];
    private final double[] canaryCumulative = new double[CLIENTS - HEAVY];
    private final int[] stableClient = new int[CLIENTS - HEAVY];
    private final int[] canaryClient = new int[CLIENTS - HEAVY];
    private int stableLight;
    private int canaryLight;
    /** The light clients' weight and propensity-weighted weight on each track, for the share last computed. */
    private double lightShare = -1;
    private double lightStable;
    private double lightStablePropensity;
    private double lightCanary;
    private double lightCanaryPropensity;
    private final RevealedClients reveals;

    StickyClients(RandomGenerator rng, double rate, long revealSeed) {
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
        reveals = new RevealedClients(weight, propensity, place, HEAVY, rate, revealSeed);
    }

    /** The clients revealed at the end of the second last drawn. */
    List<ClientOutcome> revealed() {
        return reveals.revealed();
    }

    /**
     * Fills {@code out} with one second's stable requests, errors and clients' first errors, then the
     * canary's.
     */
    void second(RandomGenerator rng, double rate, double share, double stableErrors, double canaryErrors, long[] out) {
        reveals.begin(share);
        for (int k = 0; k < HEAVY; k++) {
            on[k] = on[k] ? rng.nextDouble() >= ON_TO_OFF : rng.nextDouble() < OFF_TO_ON;
            if (!on[k]) {
                continue;
            }
            boolean canary = place[k] < share;
            long requests = Draw.poisson(rng, rate * weight[k] / DUTY);
            long errors = Draw.binomial(rng, requests, Math.min(1, (canary ? canaryErrors : stableErrors) * propensity[k]));
            out[canary ? 3 : 0] += requests;
            out[canary ? 4 : 1] += errors;
            reveals.heavy(k, canary, requests, errors);
            if (errors > 0 && !erred[k]) {
                erred[k] = true;
                out[canary ? 5 : 2]++;
            }
        }
        if (share != lightShare) {
            lightShare = share;
            lightStable = lightStablePropensity = lightCanary = lightCanaryPropensity = 0;
            stableLight = canaryLight = 0;
            for (int k = HEAVY; k < CLIENTS; k++) {
                if (place[k] < share) {
                    lightCanary += weight[k];
                    lightCanaryPropensity += weight[k] * propensity[k];
                    canaryCumulative[canaryLight] = lightCanaryPropensity;
                    canaryClient[canaryLight++] = k;
                } else {
                    lightStable += weight[k];
                    lightStablePropensity += weight[k] * propensity[k];
                    stableCumulative[stableLight] = lightStablePropensity;
                    stableClient[stableLight++] = k;
                }
            }
        }
        long stable = Draw.poisson(rng, rate * lightStable);
        long canary = Draw.poisson(rng, rate * lightCanary);
        long stableLightErrors = Draw.binomial(rng, stable, lightStable == 0 ? 0 : Math.min(1, stableErrors * lightStablePropensity / lightStable));
        long canaryLightErrors = Draw.binomial(rng, canary, lightCanary == 0 ? 0 : Math.min(1, canaryErrors * lightCanaryPropensity / lightCanary));
        out[0] += stable;
        out[1] += stableLightErrors;
        out[2] += firstErrors(rng, stableLightErrors, stableCumulative, stableClient, stableLight);
        out[3] += canary;
        out[4] += canaryLightErrors;
        out[5] += firstErrors(rng, canaryLightErrors, canaryCumulative, canaryClient, canaryLight);
        reveals.end(rate, stableErrors, canaryErrors, out[0] + out[3], out[1] + out[4]);
    }

    /** Gives each of {@code errors} to a light client of one track, by weight times propensity; counts the clients it is the first error of. */
    private int firstErrors(RandomGenerator rng, long errors, double[] cumulative, int[] client, int n) {
        int first = 0;
        for (long e = 0; e < errors && n > 0; e++) {
            double u = rng.nextDouble() * cumulative[n - 1];
            int i = java.util.Arrays.binarySearch(cumulative, 0, n, u);
            int k = client[Math.min(i >= 0 ? i : -i - 1, n - 1)];
            if (!erred[k]) {
                erred[k] = true;
                first++;
            }
        }
        return first;
    }
}
