package io.glidepath.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The table changed in place, one route at a time, finds what a table rebuilt whole from the same routes
 * finds (the lookup as it was before changes became incremental, kept here as the reference): after
 * thousands of random adds, replacements, moves and removals, for random requests, small groups and
 * large ones (a host with more paths than {@link PathGroup#SCAN_UP_TO}).
 */
class RoutingTableAgainstReferenceTest {
    static final String[] HOSTS = {null, "shop.example.com", "blog.example.com", "a.b.example.com", "*.example.com",
            "*.b.example.com", "*.eu.example.com", "big.example.com"};
    static final String[] SEGMENTS = {"api", "v2", "static", "a", "ab", "orders", "x"};

    /** The lookup as the table did it when it was rebuilt on every change: sort every group, scan it. */
    static ActiveRoute reference(Collection<ActiveRoute> routes, String host, String path) {
        Comparator<ActiveRoute> longestPrefix = Comparator.comparingInt((ActiveRoute r) -> -r.spec().match().pathPrefix().length());
        Map<String, List<ActiveRoute>> exact = new HashMap<>();
        List<ActiveRoute> wildcard = new ArrayList<>();
        List<ActiveRoute> any = new ArrayList<>();
        for (ActiveRoute r : routes) {
            RouteMatch m = r.spec().match();
            if (m.host() == null) {
                any.add(r);
            } else if (m.isWildcardHost()) {
                wildcard.add(r);
            } else {
                exact.computeIfAbsent(m.host(), h -> new ArrayList<>()).add(r);
            }
        }
        exact.values().forEach(l -> l.sort(longestPrefix));
        any.sort(longestPrefix);
        wildcard.sort(Comparator.comparingInt((ActiveRoute r) -> -r.spec().match().host().length()).thenComparing(longestPrefix));
        if (!host.isEmpty()) {
            for (ActiveRoute r : exact.getOrDefault(host, List.of())) {
                if (r.spec().match().matchesPath(path)) {
                    return r;
                }
            }
            for (ActiveRoute r : wildcard) {
                if (r.spec().match().matchesHost(host) && r.spec().match().matchesPath(path)) {
                    return r;
                }
            }
        }
        for (ActiveRoute r : any) {
            if (r.spec().match().matchesPath(path)) {
                return r;
            }
        }
        return null;
    }

    static String randomPath(Random random, boolean trailingSlash) {
        StringBuilder p = new StringBuilder();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            p.append('/').append(SEGMENTS[random.nextInt(SEGMENTS.length)]);
        }
        if (p.isEmpty() || trailingSlash) {
            p.append('/');
        }
        return p.toString();
    }

    static ActiveRoute route(String name, String host, String prefix, int weight) {
        RouteSpec s = RouteSpec.of(name, new RouteMatch(host, prefix), List.of(new EndpointAddress("127.0.0.1", 1)))
                .withCanaryWeight(weight);
        return new ActiveRoute(new RouteState(s, 1, "k"), new RouteRuntime(name));
    }

    @Test
    void randomChangesLeaveTheSameLookupsAsATableBuiltWhole() {
        Random random = new Random(14);
        RoutingTable table = new RoutingTable();
        Map<String, ActiveRoute> held = new HashMap<>();
        Map<RouteMatch, String> byMatch = new HashMap<>();
        int lookups = 0;
        for (int step = 0; step < 4_000; step++) {
            String name = "r" + random.nextInt(120);
            if (random.nextInt(5) == 0) {
                ActiveRoute gone = held.remove(name);
                if (gone != null) {
                    byMatch.remove(gone.spec().match());
                }
                table.remove(name);
            } else {
                String host = HOSTS[random.nextInt(HOSTS.length)];
                // the big host takes many prefixes, so its group goes past the scanned size and back
                String prefix = randomPath(random, random.nextInt(3) == 0);
                RouteMatch m = new RouteMatch(host, prefix);
                String owner = byMatch.get(m);
                if (owner != null && !owner.equals(name)) {
                    continue; // the registry refuses a match another route takes
                }
                ActiveRoute r = route(name, host, prefix, random.nextInt(10_001));
                ActiveRoute before = held.put(name, r);
                if (before != null) {
                    byMatch.remove(before.spec().match());
                }
                byMatch.put(m, name);
                table.put(r);
            }
            assertThat(table.routes()).isEqualTo(held);
            for (int i = 0; i < 20; i++) {
                String host = switch (random.nextInt(6)) {
                    case 0 -> "";
                    case 1 -> "other.test";
                    case 2 -> "x.eu.example.com";
                    case 3 -> "c.b.example.com";
                    default -> {
                        String h = HOSTS[random.nextInt(HOSTS.length)];
                        yield h == null ? "example.com" : h.replace("*", "z");
                    }
                };
                String path = randomPath(random, random.nextInt(4) == 0) + (random.nextInt(4) == 0 ? "tail" : "");
                assertThat(table.match(host, path)).as("%s %s after step %d", host, path, step).isSameAs(reference(held.values(), host, path));
                lookups++;
            }
        }
        assertThat(lookups).as("enough lookups were compared").isGreaterThan(50_000);
    }

    @Test
    void aHostWithThousandsOfPathsFindsTheLongestPrefixByHash() {
        RoutingTable table = new RoutingTable();
        List<ActiveRoute> all = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            ActiveRoute r = route("svc" + i, "api.example.com", "/svc" + i + (i % 3 == 0 ? "/" : ""), 0);
            all.add(r);
            table.put(r);
        }
        ActiveRoute nested = route("nested", "api.example.com", "/svc7/admin", 0);
        all.add(nested);
        table.put(nested);
        for (String path : List.of("/svc7/admin/users", "/svc7/other", "/svc7", "/svc3/", "/svc3", "/svc30/x", "/svc1999/a/b", "/none", "/")) {
            assertThat(table.match("api.example.com", path)).as(path).isSameAs(reference(all, "api.example.com", path));
        }
        assertThat(table.match("api.example.com", "/svc7/admin/users").name()).isEqualTo("nested");
        assertThat(table.match("api.example.com", "/svc3")).as("'/svc3/' takes /svc3/... only").isNull();
    }
}
