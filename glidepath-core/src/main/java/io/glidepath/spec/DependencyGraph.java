package io.glidepath.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The services of a release and what each depends on, in file order. */
public final class DependencyGraph {
    private final Map<String, List<String>> dependsOn;

    private DependencyGraph(Map<String, List<String>> dependsOn) {
        this.dependsOn = dependsOn;
    }

    public static DependencyGraph of(List<ServiceSpec> services) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        services.forEach(s -> m.putIfAbsent(s.name(), s.dependsOn()));
        return new DependencyGraph(m);
    }

    /**
     * The services in an order where each comes after everything it depends on, file order among
     * equals (the graph must have no cycle).
     */
    public List<String> order() {
        List<String> out = new ArrayList<>();
        java.util.Set<String> placed = new java.util.HashSet<>();
        while (out.size() < dependsOn.size()) {
            boolean progress = false;
            for (Map.Entry<String, List<String>> e : dependsOn.entrySet()) {
                if (!placed.contains(e.getKey()) && e.getValue().stream().filter(dependsOn::containsKey).allMatch(placed::contains)) {
                    out.add(e.getKey());
                    placed.add(e.getKey());
                    progress = true;
                    break;
                }
            }
            if (!progress) {
                throw new IllegalStateException("dependency cycle among " + dependsOn.keySet());
            }
        }
        return out;
    }

    /** A cycle as the path that closes it ({@code a -> b -> a}), or empty when there is none. */
    public List<String> findCycle() {
        Map<String, Integer> state = new HashMap<>(); // 1 = on the current path, 2 = done
        for (String start : dependsOn.keySet()) {
            List<String> path = new ArrayList<>();
            List<String> cycle = visit(start, state, path);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        return List.of();
    }

    private List<String> visit(String node, Map<String, Integer> state, List<String> path) {
        Integer s = state.get(node);
        if (s != null && s == 2) {
            return List.of();
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            cycle.add(node);
            return cycle;
        }
        state.put(node, 1);
        path.add(node);
        for (String dep : dependsOn.getOrDefault(node, List.of())) {
            if (dependsOn.containsKey(dep) && !dep.equals(node)) {
                List<String> cycle = visit(dep, state, path);
                if (!cycle.isEmpty()) {
                    return cycle;
                }
            }
        }
        path.remove(path.size() - 1);
        state.put(node, 2);
        return List.of();
    }
}
