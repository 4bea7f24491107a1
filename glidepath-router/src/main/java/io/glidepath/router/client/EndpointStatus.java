package io.glidepath.router.client;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.Track;
import java.util.Optional;

/** An endpoint as the router sees it. {@code track} is empty once it left the route (draining, drained). */
public record EndpointStatus(EndpointAddress address, Optional<Track> track, String phase, String health, boolean ejected,
                             int inflight, int cut) {

    public boolean isDraining() {
        return phase.equals("draining");
    }

    public boolean isDrained() {
        return phase.equals("drained");
    }

    public boolean isHealthy() {
        return health.equals("healthy");
    }
}
