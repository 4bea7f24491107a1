package io.glidepath.route;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What belongs to the version behind an endpoint rather than to the route: how the endpoint is
 * checked (the version's own health path: versions change theirs), how long its requests may take
 * once it leaves the route (its drain), and what it speaks (HTTP/1.1 or h2c). They travel with the endpoint from track to track, so a
 * version keeps being checked on its own path whether it is stable, canary or kept warm in preview.
 */
public record EndpointSettings(HealthCheck health, Duration drainTimeout, Optional<String> version, BackendProtocol protocol) {

    /** Longest version label taken (the release file's versions are far shorter). */
    public static final int MAX_VERSION_LENGTH = 128;

    /**
     * @param version the version behind the endpoint, as its release names it (the access log says it);
     *                empty for endpoints whoever wrote the route did not label
     * @param protocol what the endpoint speaks (HTTP/1.1 unless its version says h2c)
     */
    public EndpointSettings {
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(protocol, "protocol");
    }

    public EndpointSettings(HealthCheck health, Duration drainTimeout, Optional<String> version) {
        this(health, drainTimeout, version, BackendProtocol.HTTP1);
    }

    public EndpointSettings(HealthCheck health, Duration drainTimeout) {
        this(health, drainTimeout, Optional.empty());
    }
}
