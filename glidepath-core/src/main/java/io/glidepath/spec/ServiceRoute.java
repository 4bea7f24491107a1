package io.glidepath.spec;

import io.glidepath.route.HttpsPolicy;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.Stickiness;
import java.time.Duration;

/** Where users reach the service through the router, and the route's policies. */
public record ServiceRoute(RouteMatch match, Stickiness sticky, boolean shield, Duration drainTimeout, HttpsPolicy https) {

    public ServiceRoute(RouteMatch match, Stickiness sticky, boolean shield, Duration drainTimeout) {
        this(match, sticky, shield, drainTimeout, HttpsPolicy.none());
    }
}
