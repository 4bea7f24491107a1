package io.glidepath.analysis.sequential;

import io.glidepath.analysis.ClientOutcome;
import java.util.List;

/**
 * An anytime-valid test, with clients as the units, that the canary's error rate is no more than
 * {@code tolerance} times stable's on a sticky split (docs/analysis.md, "Clients as units").
 *
 * <p>On a sticky split the requests of one client are not independent: a heavy client with a flaky
 * account errs on whichever track it keeps, so counting requests rolls back healthy canaries whose
 * clients happen to be flakier. What the split does randomize is clients: each client's track comes
 * from the hash of its id, independent of how it behaves. The router reveals each client once, a fixed
 * time after its first request (so when it is revealed does not depend on its track), with its requests
 * n and errors y in that window, its track Z and the chance s it had of the canary. The test bets on
 * the track given the outcome: per client the evidence is multiplied by
 * {@code 1 + lambda (Z - s) h}, where h is the client's error count standardized against what stable's
 * rate predicts for n requests (with a between-client spread), clipped to [-{@link #CLIP}, {@link #CLIP}].
 * If the canary is no worse than stable, Z is independent of h with mean s, so each factor has mean 1:
 * the product is a test martingale however the clients differ from each other, and heavy clients
 * count once each rather than once per request.
 *
 * <p>The tolerance: a canary client's errors are thinned, each kept with probability 1/tolerance (in
 * expectation: h is replaced by its mean over the thinning, which keeps every factor's mean). A canary
 * whose rate is at most tolerance times stable's then gives outcomes no larger, in distribution, than
 * stable would have, and since h grows with y each factor has mean at most 1: a supermartingale.
 *
 * <p>The bet size lambda is a fixed grid of fractions of the largest bet that keeps every factor
 * positive, mixed with equal weights; copies restart as {@link RatioTest}'s do. Estimates of stable's
 * rate and of the spread between clients come only from earlier windows and earlier stable clients, so
 * they are fixed before a client's track is looked at.
 */
public final class ClientTest {
    /** Bets as fractions of the largest that keeps a factor positive, mixed with equal weights. */
    static final double[] FRACTIONS = {0.03, 0.06, 0.12, 0.25, 0.5, 0.9};
    /** A standardized outcome is clipped to this: one client moves the evidence by a bounded factor. */
    public static final double CLIP = 3;
    /** The spread between clients' error rates assumed before any is measured (squared coefficient of variation). */
    static final double PRIOR_SPREAD = 0.3;
    /** How many clients' worth of weight that prior has. */
    static final double PRIOR_CLIENTS = 5;
    /** Stable's rate before any request is seen: 1%, with the weight of 100 requests. */
    static final double PRIOR_RATE = 0.01;
    static final double PRIOR_REQUESTS = 100;
    /** A client's spread is measured once it expects at least this many errors (below, it is mostly Poisson noise). */
    static final double SPREAD_FROM = 1;

    /** Running figures the bets are set from, and the raw totals people read. */
    public record Figures(double stableErrors, double stableRequests, double spreadSum, double spreadClients,
                          long canaryClientErrors, long canaryClientRequests, long stableClientErrors, long stableClientRequests) {
    }

    private final double tolerance;
    private final RestartingMixture evidence;
    private double stableErrors;
    private double stableRequests;
    private double spreadSum;
    private double spreadClients;
    private long canaryClientErrors;
    private long canaryClientRequests;
    private long stableClientErrors;
    private long stableClientRequests;

    public ClientTest(double tolerance) {
        this(tolerance, new RestartingMixture(FRACTIONS.length), new Figures(0, 0, 0, 0, 0, 0, 0, 0));
    }

    private ClientTest(double tolerance, RestartingMixture evidence, Figures f) {
        if (!(tolerance >= 1)) {
            throw new IllegalArgumentException("the tolerated ratio must be at least 1; got " + tolerance);
        }
        this.tolerance = tolerance;
        this.evidence = evidence;
        stableErrors = f.stableErrors();
        stableRequests = f.stableRequests();
        spreadSum = f.spreadSum();
        spreadClients = f.spreadClients();
        canaryClientErrors = f.canaryClientErrors();
        canaryClientRequests = f.canaryClientRequests();
        stableClientErrors = f.stableClientErrors();
        stableClientRequests = f.stableClientRequests();
    }

    /** A test going on from its state (a restart must not spend a fresh alpha). */
    public static ClientTest restore(double tolerance, RestartingMixture.State state, Figures figures) {
        return new ClientTest(tolerance, RestartingMixture.restore(FRACTIONS.length, state, "client test"), figures);
    }

    /**
     * Takes one interval: the clients revealed in it, and stable's requests and errors in it (which
     * inform the next intervals' bets, never this one's).
     */
    public void update(List<ClientOutcome> clients, long stableIntervalErrors, long stableIntervalRequests) {
        evidence.nextInterval();
        double rate = (stableErrors + PRIOR_RATE * PRIOR_REQUESTS) / (stableRequests + PRIOR_REQUESTS);
        double spread = (spreadSum + PRIOR_SPREAD * PRIOR_CLIENTS) / (spreadClients + PRIOR_CLIENTS);
        double[] step = new double[FRACTIONS.length];
        double keep = 1 / tolerance;
        for (ClientOutcome c : clients) {
            double s = c.canaryChance();
            if (c.canary()) {
                canaryClientErrors += c.errors();
                canaryClientRequests += c.requests();
            } else {
                stableClientErrors += c.errors();
                stableClientRequests += c.requests();
            }
            if (!(s > 0 && s < 1)) {
                continue; // a client that could only have been on one track says nothing
            }
            double mean = rate * c.requests();
            double sd = Math.sqrt(mean + spread * mean * mean);
            double h = c.canary() ? thinned(c.errors(), keep, mean, sd) : standardized(c.errors(), mean, sd);
            double z = (c.canary() ? 1 : 0) - s;
            double largest = 1 / (CLIP * Math.max(s, 1 - s));
            for (int j = 0; j < FRACTIONS.length; j++) {
                step[j] += Math.log1p(FRACTIONS[j] * largest * z * h);
            }
        }
        evidence.add(step);
        // what this interval teaches the next ones' bets: stable's rate, and the spread between stable's clients
        for (ClientOutcome c : clients) {
            if (!c.canary()) {
                double mean = rate * c.requests();
                if (mean >= SPREAD_FROM) {
                    double d = c.errors() - mean;
                    spreadSum += Math.max(0, Math.min(4, (d * d - mean) / (mean * mean)));
                    spreadClients++;
                }
            }
        }
        stableErrors += stableIntervalErrors;
        stableRequests += stableIntervalRequests;
    }

    static double standardized(long errors, double mean, double sd) {
        return Math.max(-CLIP, Math.min(CLIP, (errors - mean) / sd));
    }

    /** The mean of {@link #standardized} over keeping each of {@code errors} with probability {@code keep}. */
    static double thinned(long errors, double keep, double mean, double sd) {
        if (keep >= 1 || errors == 0) {
            return standardized(errors, mean, sd);
        }
        // binomial(errors, keep) in log space from its mode outwards is exact enough; far tails add nothing
        double logOdds = Math.log(keep / (1 - keep));
        double logP = errors * Math.log1p(-keep);
        double sum = 0;
        double total = 0;
        double max = Double.NEGATIVE_INFINITY;
        double[] logs = new double[(int) Math.min(errors, 1_000_000) + 1];
        for (int k = 0; k < logs.length; k++) {
            logs[k] = logP;
            max = Math.max(max, logP);
            logP += Math.log((double) (errors - k) / (k + 1)) + logOdds;
        }
        for (int k = 0; k < logs.length; k++) {
            double p = Math.exp(logs[k] - max);
            sum += p * standardized(k, mean, sd);
            total += p;
        }
        return sum / total;
    }

    /** The evidence against "the canary is no worse than the tolerance": at most 1 at the start. */
    public double eValue() {
        return evidence.eValue();
    }

    /** The canary's error rate over stable's among the clients revealed so far, or NaN while either has none. */
    public double observedRatio() {
        if (canaryClientRequests == 0 || stableClientRequests == 0 || stableClientErrors == 0) {
            return Double.NaN;
        }
        return ((double) canaryClientErrors / canaryClientRequests) / ((double) stableClientErrors / stableClientRequests);
    }

    public RestartingMixture.State state() {
        return evidence.state();
    }

    public Figures figures() {
        return new Figures(stableErrors, stableRequests, spreadSum, spreadClients, canaryClientErrors, canaryClientRequests, stableClientErrors,
                stableClientRequests);
    }
}
