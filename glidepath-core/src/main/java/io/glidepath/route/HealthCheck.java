package io.glidepath.route;

import java.time.Duration;

/**
 * Active health check of each endpoint of a route. With a path, an HTTP GET that must answer 2xx or
 * 3xx; with {@code grpcService} (an h2c endpoint), the standard gRPC health check
 * ({@code grpc.health.v1.Health/Check} for that service; "" for the server as a whole) that must
 * answer SERVING; with neither, a TCP connect. A new endpoint takes traffic after its first passing
 * check; a healthy one leaves after {@code unhealthyThreshold} failures in a row and returns after
 * {@code healthyThreshold} passes in a row.
 */
public record HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold, String grpcService) {

    public HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold) {
        this(path, interval, timeout, healthyThreshold, unhealthyThreshold, null);
    }

    public static HealthCheck tcpDefault() {
        return new HealthCheck(null, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2);
    }

    public static HealthCheck http(String path) {
        return new HealthCheck(path, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2);
    }

    /** The gRPC health check of {@code service} ("" for the server as a whole). */
    public static HealthCheck grpc(String service) {
        return new HealthCheck(null, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2, service);
    }

    public boolean isHttp() {
        return path != null && grpcService == null;
    }

    public boolean isGrpc() {
        return grpcService != null;
    }

    public HealthCheck withInterval(Duration d) {
        return new HealthCheck(path, d, timeout, healthyThreshold, unhealthyThreshold, grpcService);
    }

    public HealthCheck withTimeout(Duration d) {
        return new HealthCheck(path, interval, d, healthyThreshold, unhealthyThreshold, grpcService);
    }
}
