package io.glidepath.traffic;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Moves traffic: Glidepath's router through its admin API, or a Kubernetes Gateway API implementation. */
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

    /** What moves the traffic, in words (shown by {@code glidepath plan}). */
    default String via() {
        return "Glidepath's router at " + entry();
    }

    /** What this way of moving traffic cannot do that Glidepath's router does, in words (empty: nothing). */
    default List<String> limits() {
        return List.of();
    }
}
