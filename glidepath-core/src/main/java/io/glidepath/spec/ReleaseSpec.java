package io.glidepath.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;

/**
 * A release: one or more services to ship together, in waves by their dependencies (at most
 * {@code maxParallel} services of a wave at once; 0 means no limit), with {@code verify} checks
 * run through the router after each wave, and the {@code databases} its services migrate. {@code name} is empty when the file gave none (the
 * server makes one up). Read and checked by {@link ReleaseReader}.
 */
public record ReleaseSpec(Optional<String> name, List<ServiceSpec> services, int maxParallel, List<HttpCheck> verify, List<DatabaseSpec> databases,
                          Location location) {

    public ReleaseSpec {
        services = List.copyOf(services);
        verify = List.copyOf(verify);
        databases = List.copyOf(databases);
    }

    public Optional<DatabaseSpec> database(String databaseName) {
        return databases.stream().filter(d -> d.name().equals(databaseName)).findFirst();
    }

    /**
     * The databases whose expand migrations run before each wave: a database goes with the first wave
     * holding a service that uses it (its contract waits for the whole release).
     */
    public List<List<DatabaseSpec>> expandsPerWave() {
        List<List<DatabaseSpec>> out = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (List<ServiceSpec> wave : waves()) {
            List<DatabaseSpec> here = new ArrayList<>();
            for (ServiceSpec s : wave) {
                s.database().filter(done::add).flatMap(this::database).ifPresent(here::add);
            }
            out.add(here);
        }
        return out;
    }

    /** The waves: each service after every service it depends on; file order within a wave. */
    public List<List<ServiceSpec>> waves() {
        return DependencyGraph.of(services).waves().stream()
                .map(w -> w.stream().map(n -> service(n).orElseThrow()).toList()).toList();
    }

    public Optional<ServiceSpec> service(String serviceName) {
        return services.stream().filter(s -> s.name().equals(serviceName)).findFirst();
    }
}
