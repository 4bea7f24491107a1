package io.glidepath.spec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

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
     * The services by wave: wave 0 depends on nothing in the release, wave k on services of earlier
     * waves only, at least one of them in wave k-1; file order within a wave (no cycle allowed).
     */
    public List<List<String>> waves() {
        Map<String, Integer> level = new LinkedHashMap<>();
        for (String s : order()) {
            int l = 0;
            for (String d : dependsOn.get(s)) {
                if (level.containsKey(d)) {
                    l = Math.max(l, level.get(d) + 1);
                }
            }
            level.put(s, l);
        }
        List<List<String>> waves = new ArrayList<>();
        for (String s : dependsOn.keySet()) {
            int l = level.get(s);
            while (waves.size() <= l) {
                waves.add(new ArrayList<>());
            }
            waves.get(l).add(s);
        }
        return waves;
    }

    /**
     * The services in an order where each comes after everything it depends on, file order among
     * equals (the graph must have no cycle).
     */
    public List<String> order() {
        Map<String, Integer> waiting = new LinkedHashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        for (Map.Entry<String, List<String>> e : dependsOn.entrySet()) {
            int n = 0;
            for (String d : new LinkedHashSet<>(e.getValue())) {
                if (dependsOn.containsKey(d) && !d.equals(e.getKey())) {
                    n++;
                    dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(e.getKey());
                }
            }
            waiting.put(e.getKey(), n);
        }
        // file order among the ready ones: a priority queue on the position in the file
        Map<String, Integer> position = new HashMap<>();
        int i = 0;
        for (String s : dependsOn.keySet()) {
            position.put(s, i++);
        }
        PriorityQueue<String> ready = new PriorityQueue<>(Comparator.comparingInt(position::get));
        waiting.forEach((s, n) -> {
            if (n == 0) {
                ready.add(s);
            }
        });
        List<String> out = new ArrayList<>();
        while (!ready.isEmpty()) {
            String s = ready.poll();
            out.add(s);
            for (String dep : dependents.getOrDefault(s, List.of())) {
                if (waiting.merge(dep, -1, Integer::sum) == 0) {
                    ready.add(dep);
                }
            }
        }
        if (out.size() < dependsOn.size()) {
            throw new IllegalStateException("dependency cycle among " + dependsOn.keySet());
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
