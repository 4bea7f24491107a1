package io.glidepath.router.route;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes of one host (or of one wildcard suffix, or of any host), found by the longest path prefix.
 * A few routes are scanned in an array sorted by prefix length, as they always were; past
 * {@link #SCAN_UP_TO} the prefixes of the request's path on its segment boundaries are looked up in a
 * hash, longest first, so a host with thousands of paths costs a lookup per path segment, not per route.
 *
 * <p>One writer (the registry, under its lock) changes a group in place, at the cost of that route;
 * readers on every event loop see each route's old or new generation, never a group half changed.
 */
final class PathGroup {
    static final int SCAN_UP_TO = 8;
    private static final Comparator<ActiveRoute> LONGEST_PREFIX_FIRST =
            Comparator.comparingInt((ActiveRoute r) -> -r.spec().match().pathPrefix().length());

    /** Every route of the group by its path prefix: the whole group, always. */
    private final Map<String, ActiveRoute> byPrefix = new ConcurrentHashMap<>();
    /** The group sorted longest prefix first while it is small; null once it is not. */
    private volatile ActiveRoute[] scan = new ActiveRoute[0];

    boolean isEmpty() {
        return byPrefix.isEmpty();
    }

    int size() {
        return byPrefix.size();
    }

    /** Adds {@code r}, or puts it in place of the route with its prefix. */
    void put(ActiveRoute r) {
        String prefix = r.spec().match().pathPrefix();
        ActiveRoute before = byPrefix.put(prefix, r);
        ActiveRoute[] s = scan;
        if (before != null && s != null) {
            ActiveRoute[] next = s.clone();
            for (int i = 0; i < next.length; i++) {
                if (next[i] == before) {
                    next[i] = r;
                }
            }
            scan = next;
        } else if (before == null) {
            scan = byPrefix.size() <= SCAN_UP_TO ? sorted() : null;
        }
    }

    /** Takes out the route with this prefix if it is {@code r} (another route may hold the prefix by now). */
    void remove(ActiveRoute r) {
        if (byPrefix.remove(r.spec().match().pathPrefix(), r)) {
            scan = byPrefix.size() <= SCAN_UP_TO ? sorted() : null;
        }
    }

    private ActiveRoute[] sorted() {
        ActiveRoute[] a = byPrefix.values().toArray(new ActiveRoute[0]);
        Arrays.sort(a, LONGEST_PREFIX_FIRST);
        return a;
    }

    /** The route with the longest prefix that takes {@code path}, or null. */
    ActiveRoute match(String path) {
        ActiveRoute[] s = scan;
        if (s != null) {
            for (ActiveRoute r : s) {
                if (r.spec().match().matchesPath(path)) {
                    return r;
                }
            }
            return null;
        }
        // a prefix takes a path when it is the path, ends with '/' at one of the path's slashes, or stops just
        // before one (RouteMatch.matchesPath): these candidates, longest first, are every prefix that can match
        ActiveRoute r = byPrefix.get(path);
        if (r != null) {
            return r;
        }
        for (int i = path.length() - 1; i >= 0; i--) {
            if (path.charAt(i) == '/') {
                if (i + 1 < path.length() && (r = byPrefix.get(path.substring(0, i + 1))) != null) {
                    return r;
                }
                if ((r = byPrefix.get(path.substring(0, i))) != null) {
                    return r;
                }
            }
        }
        return null;
    }
}
