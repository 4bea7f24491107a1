package io.glidepath.spec;

import java.util.List;
import java.util.Optional;

/**
 * A release: one or more services to ship together. {@code name} is empty when the file gave none
 * (the server makes one up). Read and checked by {@link ReleaseReader}.
 */
public record ReleaseSpec(Optional<String> name, List<ServiceSpec> services, Location location) {

    public ReleaseSpec {
        services = List.copyOf(services);
    }

    public Optional<ServiceSpec> service(String serviceName) {
        return services.stream().filter(s -> s.name().equals(serviceName)).findFirst();
    }
}
