package io.glidepath.testkit.judge;

import io.glidepath.analysis.ClientOutcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.random.RandomGenerator;

/**
 * What the router reveals of a sticky split's clients ({@link ClientOutcome}), simulated for
 * {@link StickyClients}: each client at each of {@link ClientOutcome#REVEALS}, once its requests at the
 * route's error rate so far would hold the level's expected errors or the level's time after its first
 * request has passed, with its requests and errors since its first request, unless the split moved it
 * to the other track meanwhile. Heavy clients are counted from their own simulated seconds; a light
 * client's requests and errors are drawn when it is revealed (its mean rate over the time since its
 * first request), apart from the bulk counts of the second: each is distributed as the router would see
 * it, though the two are not the same requests.
 */
final class RevealedClients {
    private record Due(int second, int client, int level) {
    }

    private final int clients;
    private final int heavy;
    private final double[] weight;
    private final double[] propensity;
    private final double[] place;
    private final int levels = ClientOutcome.REVEALS.size();
    /** Per client: the second of its first request (0 before it), its track then, requests and errors so far, up to which second. */
    private final int[] since;
    private final boolean[] canary;
    private final long[] requests;
    private final long[] errors;
    private final int[] asOf;
    /** Per client and level: revealed (or passed over) already. */
    private final boolean[][] done;
    /** Light clients' first requests, drawn once a run from its own seed, in order. */
    private final int[] lightByFirst;
    private int nextSeen;
    private final PriorityQueue<Due> due = new PriorityQueue<>((a, b) -> Integer.compare(a.second(), b.second()));
    private double[] shares = new double[64];
    private int second;
    private double routeRequests;
    private double routeErrors;
    private final List<ClientOutcome> revealed = new ArrayList<>();

    RevealedClients(double[] weight, double[] propensity, double[] place, int heavy, double rate, long seed) {
        this.clients = weight.length;
        this.heavy = heavy;
        this.weight = weight;
        this.propensity = propensity;
        this.place = place;
        since = new int[clients];
        canary = new boolean[clients];
        requests = new long[clients];
        errors = new long[clients];
        asOf = new int[clients];
        done = new boolean[clients][levels];
        RandomGenerator own = new java.util.SplittableRandom(seed);
        this.rng = own;
        int[] first = new int[clients];
        Integer[] order = new Integer[clients - heavy];
        for (int k = heavy; k < clients; k++) {
            double wait = -Math.log(1 - own.nextDouble()) / (rate * weight[k]);
            first[k] = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(1, Math.ceil(wait)));
            order[k - heavy] = k;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(first[a], first[b]));
        lightByFirst = new int[order.length];
        lightFirst = first;
        for (int i = 0; i < order.length; i++) {
            lightByFirst[i] = order[i];
        }
    }

    private final int[] lightFirst;
    /** Its own generator: what it draws leaves the stream every judge sees unchanged. */
    private final RandomGenerator rng;

    /** Starts a second at this canary share; the route's error rate is the one before it. */
    void begin(double share) {
        second++;
        if (second >= shares.length) {
            shares = Arrays.copyOf(shares, shares.length * 2);
        }
        shares[second] = share;
        revealed.clear();
    }

    /** A heavy client's requests and errors in this second, on its track. */
    void heavy(int k, boolean onCanary, long n, long e) {
        if (n == 0) {
            return;
        }
        if (since[k] == 0) {
            since[k] = second;
            canary[k] = onCanary;
        }
        if (onCanary != canary[k]) {
            since[k] = -1; // moved: never revealed from here on
        }
        requests[k] += n;
        errors[k] += e;
    }

    /** Ends the second: reveals what is due, then counts the second's traffic into the route's error rate. */
    void end(double rate, double stableErrors, double canaryErrors, long routeSecondRequests, long routeSecondErrors) {
        double routeRate = routeRequests == 0 ? 0 : routeErrors / routeRequests;
        for (int k = 0; k < heavy; k++) {
            for (int l = 0; l < levels; l++) {
                if (!done[k][l] && since[k] > 0 && due(l, second - since[k], requests[k], routeRate)) {
                    done[k][l] = true;
                    reveal(k, l);
                }
            }
        }
        while (nextSeen < lightByFirst.length && lightFirst[lightByFirst[nextSeen]] <= second) {
            int k = lightByFirst[nextSeen++];
            since[k] = second;
            asOf[k] = second;
            requests[k] = 1;
            canary[k] = place[k] < shares[second];
            errors[k] = Draw.binomial(rng, 1, errorRate(k, stableErrors, canaryErrors));
            for (int l = 0; l < levels; l++) {
                ClientOutcome.Reveal r = ClientOutcome.REVEALS.get(l);
                double byErrors = routeRate == 0 ? Double.POSITIVE_INFINITY : r.expectedErrors() / (routeRate * rate * weight[k]);
                due.add(new Due(second + (int) Math.ceil(Math.min(r.by().toSeconds(), Math.max(1, byErrors))), k, l));
            }
        }
        while (!due.isEmpty() && due.peek().second() <= second) {
            Due d = due.poll();
            int k = d.client();
            long more = Draw.poisson(rng, rate * weight[k] * (second - asOf[k]));
            requests[k] += more;
            errors[k] += Draw.binomial(rng, more, errorRate(k, stableErrors, canaryErrors));
            asOf[k] = second;
            reveal(k, d.level());
        }
        routeRequests += routeSecondRequests;
        routeErrors += routeSecondErrors;
    }

    private double errorRate(int k, double stableErrors, double canaryErrors) {
        return Math.min(1, (canary[k] ? canaryErrors : stableErrors) * propensity[k]);
    }

    private static boolean due(int level, int age, long requests, double routeRate) {
        ClientOutcome.Reveal r = ClientOutcome.REVEALS.get(level);
        return age >= r.by().toSeconds() || routeRate > 0 && requests * routeRate >= r.expectedErrors();
    }

    /** Reveals the client at the level if the split kept it on one track since its first request. */
    private void reveal(int k, int level) {
        if (since[k] <= 0) {
            return;
        }
        double min = 1;
        double max = 0;
        for (int t = since[k]; t <= second; t++) {
            min = Math.min(min, shares[t]);
            max = Math.max(max, shares[t]);
        }
        boolean onCanary = place[k] < min;
        if (!onCanary && place[k] < max) {
            return; // the canary's growing share took it over during its window
        }
        double stableAlways = 1 - max;
        double chance = min + stableAlways == 0 ? 0 : min / (min + stableAlways);
        revealed.add(new ClientOutcome(level, onCanary, chance, requests[k], errors[k]));
    }

    List<ClientOutcome> revealed() {
        return List.copyOf(revealed);
    }
}
