package io.glidepath.router.route;

import io.glidepath.route.RouteSpec;

/**
 * The canary split as a pure function: a client is in the canary when the hash of its id and the
 * route falls below the weight. The hash does not depend on the weight, so while the weight only
 * grows a client in the canary stays there; different routes split the same client independently.
 */
public final class TrackSplit {
    private TrackSplit() {
    }

    /** A per-route seed, so that one client's place differs between routes. */
    public static long seed(String routeName) {
        return mix(hash(routeName, 0x9E3779B97F4A7C15L));
    }

    /**
     * The client's 64-bit hash on this route, whose remainder by 10000 is its place. What the router
     * keeps of a client (its error ledger) is this, never the id, which may be a user id.
     */
    public static long clientHash(CharSequence clientId, long routeSeed) {
        return mix(hash(clientId, routeSeed));
    }

    /** The client's place in 0..9999. */
    public static int bucket(CharSequence clientId, long routeSeed) {
        return bucket(clientHash(clientId, routeSeed));
    }

    /** The place in 0..9999 of a client with this {@link #clientHash}. */
    public static int bucket(long clientHash) {
        return (int) Long.remainderUnsigned(clientHash, RouteSpec.FULL_WEIGHT);
    }

    public static boolean inCanary(CharSequence clientId, long routeSeed, int weight) {
        return inCanary(clientHash(clientId, routeSeed), weight);
    }

    public static boolean inCanary(long clientHash, int weight) {
        return weight > 0 && (weight >= RouteSpec.FULL_WEIGHT || bucket(clientHash) < weight);
    }

    /** FNV-1a over the characters, seeded. */
    static long hash(CharSequence s, long seed) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** MurmurHash3's 64-bit finaliser: spreads FNV's weak low bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
