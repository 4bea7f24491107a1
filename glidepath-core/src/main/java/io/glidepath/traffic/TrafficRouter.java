package io.glidepath.traffic;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import java.util.Map;
import java.util.Optional;

/** Moves traffic: the embedded router through its admin API (Kubernetes Gateway API later). */
public interface TrafficRouter {

    /** Creates or replaces a route in one update; applying the same spec twice changes nothing. */
    RouteState apply(RouteSpec spec) throws TrafficException;

    Optional<RouteState> current(String route) throws TrafficException;

    /** Requests in flight per endpoint the route still knows (serving or draining). */
    Map<EndpointAddress, Integer> inflight(String route) throws TrafficException;

    /** Where users' traffic enters, for smoke tests through the router. */
    EndpointAddress entry();
}
