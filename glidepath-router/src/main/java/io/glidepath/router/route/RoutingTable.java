package io.glidepath.router.route;

import io.glidepath.route.RouteMatch;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes with the lookup the data path does on every request. Host first, as nginx does (exact
 * host, then the longest wildcard, then routes for any host), then the longest path prefix among the
 * routes of that host ({@link PathGroup}); a request no route of its host takes falls through to the
 * less specific hosts.
 *
 * <p>The registry changes it one route at a time ({@link #put}, {@link #remove}), under its own lock,
 * at the cost of that route plus a hash update: nothing else is rebuilt, so a change costs the same at
 * 10 routes and at 10,000. Each route's {@link ActiveRoute} is immutable and replaced whole, so a
 * request sees a route's old generation or its new one, never a mix; a route that moves to another
 * host is added there before it leaves the old one, so no request finds it in neither.
 */
public final class RoutingTable {
    private final Map<String, ActiveRoute> byName = new ConcurrentHashMap<>();
    private final Map<String, ActiveRoute> byNameView = Collections.unmodifiableMap(byName);
    private final Map<String, PathGroup> exactHost = new ConcurrentHashMap<>();
    /** Wildcard routes by the suffix their host stands for ("*.example.com" by ".example.com"). */
    private final Map<String, PathGroup> wildcardSuffix = new ConcurrentHashMap<>();
    private final PathGroup anyHost = new PathGroup();
    private volatile long generation;

    RoutingTable() {
    }

    /** A table holding {@code routes}, as of {@code generation}. */
    RoutingTable(Collection<ActiveRoute> routes, long generation) {
        routes.forEach(this::put);
        this.generation = generation;
    }

    /** The generation of the last change published in this table. */
    public long generation() {
        return generation;
    }

    void setGeneration(long generation) {
        this.generation = generation;
    }

    /** The routes by name: a live, read-only view. */
    public Map<String, ActiveRoute> routes() {
        return byNameView;
    }

    public ActiveRoute route(String name) {
        return byName.get(name);
    }

    /** Adds a route, or puts this generation of it in place of the one held. */
    void put(ActiveRoute r) {
        ActiveRoute before = byName.get(r.name());
        group(r.spec().match(), true).put(r);
        byName.put(r.name(), r);
        if (before != null && !before.spec().match().equals(r.spec().match())) {
            leave(before);
        }
    }

    /** Takes out the route of this name, if held. */
    void remove(String name) {
        ActiveRoute before = byName.remove(name);
        if (before != null) {
            leave(before);
        }
    }

    private void leave(ActiveRoute r) {
        RouteMatch m = r.spec().match();
        PathGroup g = group(m, false);
        if (g == null) {
            return;
        }
        g.remove(r);
        if (g.isEmpty() && g != anyHost) {
            (m.isWildcardHost() ? wildcardSuffix : exactHost).remove(hostKey(m), g);
        }
    }

    private PathGroup group(RouteMatch m, boolean create) {
        if (m.host() == null) {
            return anyHost;
        }
        Map<String, PathGroup> groups = m.isWildcardHost() ? wildcardSuffix : exactHost;
        return create ? groups.computeIfAbsent(hostKey(m), h -> new PathGroup()) : groups.get(hostKey(m));
    }

    private static String hostKey(RouteMatch m) {
        return m.isWildcardHost() ? m.host().substring(1) : m.host();
    }

    /** The route for a request to {@code host} (lower case, without port; may be empty) and {@code path}. */
    public ActiveRoute match(String host, String path) {
        if (!host.isEmpty()) {
            PathGroup exact = exactHost.get(host);
            if (exact != null) {
                ActiveRoute r = exact.match(path);
                if (r != null) {
                    return r;
                }
            }
            if (!wildcardSuffix.isEmpty()) {
                // the longest wildcard first: suffixes from the first dot after the host's first character on
                for (int i = 1; i < host.length(); i++) {
                    if (host.charAt(i) == '.') {
                        PathGroup g = wildcardSuffix.get(host.substring(i));
                        ActiveRoute r = g == null ? null : g.match(path);
                        if (r != null) {
                            return r;
                        }
                    }
                }
            }
        }
        return anyHost.match(path);
    }
}
