package io.glidepath.router.route;

import io.glidepath.route.RouteMatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of routes with the lookup the data path does on every request. Host first, as
 * nginx does (exact host, then the longest wildcard, then routes for any host), then the longest
 * path prefix among the routes of that host; a request no route of its host takes falls through to
 * the less specific hosts.
 */
public final class RoutingTable {
    public static final RoutingTable EMPTY = new RoutingTable(List.of(), 0);

    private final Map<String, ActiveRoute> byName;
    private final Map<String, List<ActiveRoute>> exactHost = new HashMap<>();
    private final List<ActiveRoute> wildcardHost = new ArrayList<>();
    private final List<ActiveRoute> anyHost = new ArrayList<>();
    private final long generation;

    RoutingTable(Collection<ActiveRoute> routes, long generation) {
        this.generation = generation;
        Map<String, ActiveRoute> names = new LinkedHashMap<>();
        routes.stream().sorted(Comparator.comparing(ActiveRoute::name)).forEach(r -> names.put(r.name(), r));
        this.byName = Map.copyOf(names);
        Comparator<ActiveRoute> longestPrefix = Comparator.comparingInt((ActiveRoute r) -> -r.spec().match().pathPrefix().length());
        for (ActiveRoute r : routes) {
            RouteMatch m = r.spec().match();
            if (m.host() == null) {
                anyHost.add(r);
            } else if (m.isWildcardHost()) {
                wildcardHost.add(r);
            } else {
                exactHost.computeIfAbsent(m.host(), h -> new ArrayList<>()).add(r);
            }
        }
        exactHost.values().forEach(l -> l.sort(longestPrefix));
        anyHost.sort(longestPrefix);
        wildcardHost.sort(Comparator.comparingInt((ActiveRoute r) -> -r.spec().match().host().length()).thenComparing(longestPrefix));
    }

    /** The generation of the last change that made this table. */
    public long generation() {
        return generation;
    }

    public Map<String, ActiveRoute> routes() {
        return byName;
    }

    public ActiveRoute route(String name) {
        return byName.get(name);
    }

    /** The route for a request to {@code host} (lower case, without port; may be empty) and {@code path}. */
    public ActiveRoute match(String host, String path) {
        if (!host.isEmpty()) {
            List<ActiveRoute> exact = exactHost.get(host);
            if (exact != null) {
                ActiveRoute r = firstByPath(exact, path);
                if (r != null) {
                    return r;
                }
            }
            for (ActiveRoute r : wildcardHost) {
                RouteMatch m = r.spec().match();
                if (m.matchesHost(host) && m.matchesPath(path)) {
                    return r;
                }
            }
        }
        return firstByPath(anyHost, path);
    }

    private static ActiveRoute firstByPath(List<ActiveRoute> routes, String path) {
        for (ActiveRoute r : routes) {
            if (r.spec().match().matchesPath(path)) {
                return r;
            }
        }
        return null;
    }
}
