package io.glidepath.spec;

import java.util.Optional;

/**
 * What a container platform (Kubernetes) needs beyond the command: the {@code image}, the {@code port}
 * the service listens on inside its pod ({@code {{port}}} there), and the resources it asks for, as
 * Kubernetes quantities ({@code 500m}, {@code 256Mi}); requests and limits are set alike, so a pod is
 * never throttled below what it asked for nor starves its neighbours.
 */
public record ContainerSpec(String image, int port, Optional<String> cpu, Optional<String> memory) {
    public static final int DEFAULT_PORT = 8080;
}
