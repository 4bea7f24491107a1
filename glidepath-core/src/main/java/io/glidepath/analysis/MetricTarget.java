package io.glidepath.analysis;

import java.util.Optional;

/**
 * Whose traffic a window is about: the service (its route in the router) and the version on each
 * track (a Prometheus query names them; the router's tracks already know). With {@code shadow}, the
 * canary's side is the copies of requests mirrored to it (no user is served by it yet), which only
 * the router counts.
 */
public record MetricTarget(String service, Optional<String> stableVersion, Optional<String> canaryVersion, boolean shadow) {

    public MetricTarget(String service, Optional<String> stableVersion, Optional<String> canaryVersion) {
        this(service, stableVersion, canaryVersion, false);
    }

    public static MetricTarget of(String service) {
        return new MetricTarget(service, Optional.empty(), Optional.empty());
    }
}
