package io.glidepath.router.client;

import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.traffic.StaleRouteException;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** The engine's {@link TrafficRouter} on the embedded router's admin API. */
public final class RouterTraffic implements TrafficRouter {
    private final RouterAdminClient admin;
    private final EndpointAddress entry;

    public RouterTraffic(RouterAdminClient admin, EndpointAddress entry) {
        this.admin = admin;
        this.entry = entry;
    }

    @Override
    public RouteState apply(RouteSpec spec, OptionalLong expectedGeneration) throws TrafficException, StaleRouteException {
        try {
            return admin.put(spec, expectedGeneration);
        } catch (RouterAdminException e) {
            if (e.isConflict()) {
                throw new StaleRouteException(e.getMessage());
            }
            throw new TrafficException(e.getMessage(), e);
        }
    }

    @Override
    public void remove(String route) throws TrafficException {
        try {
            admin.delete(route, OptionalLong.empty());
        } catch (RouterAdminException e) {
            if (!e.isNotFound()) {
                throw new TrafficException(e.getMessage(), e);
            }
        }
    }

    @Override
    public Optional<RouteState> current(String route) throws TrafficException {
        try {
            return admin.route(route);
        } catch (RouterAdminException e) {
            throw new TrafficException(e.getMessage(), e);
        }
    }

    @Override
    public Map<EndpointAddress, Integer> inflight(String route) throws TrafficException {
        try {
            Map<EndpointAddress, Integer> m = new HashMap<>();
            admin.endpoints(route).forEach(e -> m.put(e.address(), e.inflight()));
            return m;
        } catch (RouterAdminException e) {
            if (e.isNotFound()) {
                return Map.of();
            }
            throw new TrafficException(e.getMessage(), e);
        }
    }

    @Override
    public EndpointAddress entry() {
        return entry;
    }
}
