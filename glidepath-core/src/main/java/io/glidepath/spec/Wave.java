package io.glidepath.spec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One stage of a release: services deployed together (at most {@code maxParallel} at once; 0: all),
 * after every earlier wave. A fleet's rings are waves of their own ({@code ring} names the ring);
 * with {@code gate} the release waits for {@code glidepath promote} before the wave, and
 * {@code bakeAfter} is the wait after it before the next.
 */
public record Wave(List<ServiceSpec> services, Optional<String> ring, int maxParallel, boolean gate, Duration bakeAfter) {
    public Wave {
        services = List.copyOf(services);
    }

    public List<String> names() {
        return services.stream().map(ServiceSpec::name).toList();
    }
}
