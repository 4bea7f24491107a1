package io.glidepath.risk;

import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.Strategy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What risk reads of one service of a release: the service ({@code service}: a fleet's customer counts
 * as its fleet's service), the deployment's own name, its version, its configuration as comparable
 * settings ({@code settings}: command, env.NAME, replicas, workdir, image, resources, protocol, route; the
 * version's own text replaced by {{version}} so that a new version alone is not a change; empty when the
 * release file no longer reads), the services of its release it depends on, and its strategy.
 */
public record ServiceFacts(String service, String deployment, String version, Optional<Map<String, String>> settings, Set<String> dependsOn,
                           Strategy strategy) {

    public ServiceFacts {
        settings = settings.map(Map::copyOf);
        dependsOn = Set.copyOf(dependsOn);
    }

    public static ServiceFacts of(ServiceSpec s) {
        Map<String, String> m = new LinkedHashMap<>();
        String v = s.version();
        m.put("command", versionless(String.join(" ", s.run().command()), v));
        s.run().env().forEach((k, x) -> m.put("env." + k, versionless(x, v)));
        m.put("replicas", String.valueOf(s.run().replicas()));
        s.run().workdir().ifPresent(w -> m.put("workdir", versionless(w, v)));
        s.run().container().ifPresent(c -> {
            m.put("image", versionless(c.image(), v));
            c.cpu().ifPresent(x -> m.put("cpu", x));
            c.memory().ifPresent(x -> m.put("memory", x));
        });
        m.put("protocol", s.run().protocol().name());
        m.put("route", java.util.Objects.toString(s.route().match().host(), "*") + s.route().match().pathPrefix());
        String service = s.fleetMember().map(f -> f.service()).orElse(s.name());
        return new ServiceFacts(service, s.name(), v, Optional.of(m), Set.copyOf(s.dependsOn()), s.strategy());
    }

    /** A service whose release file no longer reads: only its name is known. */
    public static ServiceFacts named(String deployment) {
        int dot = deployment.indexOf('.');
        return new ServiceFacts(dot < 0 ? deployment : deployment.substring(0, dot), deployment, "", Optional.empty(), Set.of(), Strategy.CANARY);
    }

    /** The settings that differ from {@code before}'s (added, removed or changed), by name. */
    public List<String> changedSince(ServiceFacts before) {
        if (settings.isEmpty() || before.settings.isEmpty()) {
            return List.of();
        }
        Map<String, String> a = before.settings.get();
        Map<String, String> b = settings.get();
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys.stream().filter(k -> !java.util.Objects.equals(a.get(k), b.get(k))).toList();
    }

    private static String versionless(String text, String version) {
        return version.isEmpty() ? text : text.replace(version, "{{version}}");
    }
}
