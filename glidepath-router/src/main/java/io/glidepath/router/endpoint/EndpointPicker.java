package io.glidepath.router.endpoint;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Least outstanding requests of two random endpoints ("power of two choices"): nearly as good as
 * scanning all of them for the least loaded, at constant cost, and without herding on one endpoint.
 */
public final class EndpointPicker {
    private EndpointPicker() {
    }

    /** An eligible endpoint other than {@code exclude} (may be null), or null when there is none. */
    public static Endpoint pick(Endpoint[] endpoints, Endpoint exclude, long nowNanos) {
        int n = endpoints.length;
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            Endpoint only = endpoints[0];
            return only != exclude && only.isEligible(nowNanos) ? only : null;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int i = rnd.nextInt(n);
        int j = rnd.nextInt(n - 1);
        if (j >= i) {
            j++;
        }
        Endpoint a = usable(endpoints[i], exclude, nowNanos);
        Endpoint b = usable(endpoints[j], exclude, nowNanos);
        if (a != null && b != null) {
            return a.inflight() <= b.inflight() ? a : b;
        }
        if (a != null || b != null) {
            return a != null ? a : b;
        }
        // both picks unusable: fall back to the least loaded usable one
        Endpoint best = null;
        for (Endpoint e : endpoints) {
            if (usable(e, exclude, nowNanos) != null && (best == null || e.inflight() < best.inflight())) {
                best = e;
            }
        }
        return best;
    }

    private static Endpoint usable(Endpoint e, Endpoint exclude, long nowNanos) {
        return e != exclude && e.isEligible(nowNanos) ? e : null;
    }
}
