package io.glidepath.analysis;

import java.util.Optional;

/**
 * Whose traffic a window is about: the service (its route in the router) and the version on each
 * track (a Prometheus query names them; the router's tracks already know).
 */
public record MetricTarget(String service, Optional<String> stableVersion, Optional<String> canaryVersion) {

    public static MetricTarget of(String service) {
        return new MetricTarget(service, Optional.empty(), Optional.empty());
    }
}
