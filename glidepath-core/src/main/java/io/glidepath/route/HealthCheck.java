package io.glidepath.route;

import java.time.Duration;

/**
 * Active health check of each endpoint of a route. With a path, an HTTP GET that must answer 2xx or
 * 3xx; without one, a TCP connect. A new endpoint takes traffic after its first passing check; a
 * healthy one leaves after {@code unhealthyThreshold} failures in a row and returns after
 * {@code healthyThreshold} passes in a row.
 */
public record HealthCheck(String path, Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold) {

    public static HealthCheck tcpDefault() {
        return new HealthCheck(null, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2);
    }

    public static HealthCheck http(String path) {
        return new HealthCheck(path, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 2);
    }

    public boolean isHttp() {
        return path != null;
    }

    public HealthCheck withInterval(Duration d) {
        return new HealthCheck(path, d, timeout, healthyThreshold, unhealthyThreshold);
    }

    public HealthCheck withTimeout(Duration d) {
        return new HealthCheck(path, interval, d, healthyThreshold, unhealthyThreshold);
    }
}
