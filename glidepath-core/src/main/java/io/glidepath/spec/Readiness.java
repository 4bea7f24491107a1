package io.glidepath.spec;

import java.time.Duration;
import java.util.Optional;

/**
 * When a new instance counts as ready: {@code healthyAfter} passing checks in a row, one every
 * {@code interval}, each within {@code timeout}, all within {@code deadline} of its start. A check is a
 * GET of {@code path}; for a gRPC service ({@code grpcService} present) it is a call of the standard
 * gRPC health service (grpc.health.v1.Health/Check) for that service name ("" for the whole server),
 * which must answer SERVING.
 */
public record Readiness(String path, Duration interval, Duration timeout, int healthyAfter, Duration deadline, Optional<String> grpcService) {

    public Readiness(String path, Duration interval, Duration timeout, int healthyAfter, Duration deadline) {
        this(path, interval, timeout, healthyAfter, deadline, Optional.empty());
    }

    /** What a check is, in words: "GET /ready" or "gRPC health of \"shop.Cart\"". */
    public String describe() {
        return grpcService.map(s -> "gRPC health check" + (s.isEmpty() ? "" : " of \"" + s + "\"")).orElse("GET " + path);
    }
}
