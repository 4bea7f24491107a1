package io.glidepath.spec;

import io.glidepath.route.HttpsPolicy;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.Stickiness;
import java.time.Duration;

/** Where users reach the service through the router, and the route's policies. */
public record ServiceRoute(RouteMatch match, Stickiness sticky, boolean shield, Duration drainTimeout, HttpsPolicy https, boolean mirrorAllMethods) {

    public ServiceRoute(RouteMatch match, Stickiness sticky, boolean shield, Duration drainTimeout, HttpsPolicy https) {
        this(match, sticky, shield, drainTimeout, https, false);
    }

    public ServiceRoute(RouteMatch match, Stickiness sticky, boolean shield, Duration drainTimeout) {
        this(match, sticky, shield, drainTimeout, HttpsPolicy.none());
    }
}
