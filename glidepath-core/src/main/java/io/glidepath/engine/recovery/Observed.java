package io.glidepath.engine.recovery;

import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.route.RouteState;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a restarted server sees of some services besides the journal, read once: the instances
 * that run (the platform), the routes (the router) and each service's recorded versions (the store).
 */
public record Observed(Map<String, List<Instance>> live, Map<String, RouteState> routes, Map<String, ServiceRecord> records) {

    public Observed {
        live = Map.copyOf(live);
        routes = Map.copyOf(routes);
        records = Map.copyOf(records);
    }

    /** Reads what {@code services} have now. */
    public static Observed read(Collection<String> services, Platform platform, TrafficRouter router, Store store) throws TrafficException {
        Map<String, List<Instance>> live = new HashMap<>();
        Map<String, RouteState> routes = new HashMap<>();
        Map<String, ServiceRecord> records = new HashMap<>();
        for (String s : services) {
            live.put(s, platform.list(s));
            router.current(s).ifPresent(r -> routes.put(s, r));
            store.service(s).ifPresent(r -> records.put(s, r));
        }
        return new Observed(live, routes, records);
    }

    public List<Instance> live(String service) {
        return live.getOrDefault(service, List.of());
    }

    public Optional<RouteState> route(String service) {
        return Optional.ofNullable(routes.get(service));
    }

    public Optional<ServiceRecord> record(String service) {
        return Optional.ofNullable(records.get(service));
    }
}
