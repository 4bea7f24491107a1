package io.glidepath.traffic;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Moves traffic: the embedded router through its admin API (Kubernetes Gateway API later). */
public interface TrafficRouter {

    /**
     * Creates or replaces a route in one update. With {@code expectedGeneration}, refuses
     * ({@link StaleRouteException}) when the route changed since that generation (0: must not exist).
     */
    RouteState apply(RouteSpec spec, OptionalLong expectedGeneration) throws TrafficException, StaleRouteException;

    /** Removes a route; its endpoints drain. Removing a route that does not exist is fine. */
    void remove(String route) throws TrafficException;

    Optional<RouteState> current(String route) throws TrafficException;

    /** Requests in flight per endpoint the route still knows (serving or draining). */
    Map<EndpointAddress, Integer> inflight(String route) throws TrafficException;

    /** Where users' traffic enters, for smoke tests through the router. */
    EndpointAddress entry();
}
