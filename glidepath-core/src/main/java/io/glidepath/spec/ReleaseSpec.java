package io.glidepath.spec;

import java.util.List;
import java.util.Optional;

/**
 * A release: one or more services to ship together, in waves by their dependencies (at most
 * {@code maxParallel} services of a wave at once; 0 means no limit), with {@code verify} checks
 * run through the router after each wave. {@code name} is empty when the file gave none (the
 * server makes one up). Read and checked by {@link ReleaseReader}.
 */
public record ReleaseSpec(Optional<String> name, List<ServiceSpec> services, int maxParallel, List<HttpCheck> verify, Location location) {

    public ReleaseSpec {
        services = List.copyOf(services);
        verify = List.copyOf(verify);
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
