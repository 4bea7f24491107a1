package io.glidepath.route;

import java.time.Duration;
import java.util.Objects;

/**
 * What belongs to the version behind an endpoint rather than to the route: how the endpoint is
 * checked (the version's own health path: versions change theirs) and how long its requests may take
 * once it leaves the route (its drain). They travel with the endpoint from track to track, so a
 * version keeps being checked on its own path whether it is stable, canary or kept warm in preview.
 */
public record EndpointSettings(HealthCheck health, Duration drainTimeout) {

    public EndpointSettings {
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
    }
}
