package io.glidepath.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.api.JsonApi;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteState;
import io.glidepath.server.access.Role;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /v1/services}: each service's current and previous version, the release holding it,
 * its live instances, and its route as the router has it (which version each track serves).
 */
final class ServicesApi implements ApiRoutes {
    private final Store store;
    private final Platform platform;
    private final TrafficRouter router;
    private final Calls calls;

    ServicesApi(Store store, Platform platform, TrafficRouter router, Calls calls) {
        this.store = store;
        this.platform = platform;
        this.router = router;
        this.calls = calls;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/services").handler(Guard.need(Role.VIEWER)).handler(this::services);
    }

    private void services(RoutingContext ctx) {
        calls.blocking(ctx, () -> {
            ArrayNode a = JsonApi.array();
            for (ServiceRecord s : store.services()) {
                ObjectNode o = a.addObject();
                o.put("name", s.name());
                o.put("currentVersion", s.currentVersion());
                s.previousVersion().ifPresent(v -> o.put("previousVersion", v));
                o.put("lastRelease", s.lastRelease());
                store.holder(s.name()).ifPresent(h -> o.put("heldBy", h));
                List<Instance> live = platform.list(s.name());
                ArrayNode inst = o.putArray("instances");
                live.forEach(i -> {
                    ObjectNode io = inst.addObject().put("id", i.id()).put("version", i.version()).put("address", i.address().toString());
                    if (i.pid() > 0) {
                        io.put("pid", i.pid()); // a process on this host; a pod has none
                    }
                    io.put("log", platform.whereToLook(i));
                });
                try {
                    Optional<RouteState> route = router.current(s.name());
                    route.ifPresent(rs -> {
                        ObjectNode ro = o.putObject("route");
                        ro.put("canaryWeight", rs.spec().canaryWeight());
                        ro.put("stable", versionOf(rs.spec().stable(), live));
                        ro.put("canary", versionOf(rs.spec().canary(), live));
                        ro.put("preview", versionOf(rs.spec().preview(), live));
                        ro.put("generation", rs.generation());
                    });
                } catch (TrafficException e) {
                    o.put("routeError", e.getMessage());
                }
            }
            return a;
        }, a -> {
            ObjectNode body = JsonApi.object();
            body.set("services", a);
            ObjectNode traffic = body.putObject("traffic");
            traffic.put("via", router.via());
            router.limits().forEach(traffic.putArray("limits")::add);
            JsonApi.json(ctx, 200, body);
        });
    }

    /** The version(s) behind a track's endpoints, by the live instances at those addresses; an unknown address stands for itself. */
    private static String versionOf(List<EndpointAddress> endpoints, List<Instance> live) {
        if (endpoints.isEmpty()) {
            return null;
        }
        return endpoints.stream().map(e -> live.stream().filter(i -> i.address().equals(e)).map(Instance::version).findFirst().orElse(e.toString()))
                .distinct().reduce((x, y) -> x + "," + y).orElse(null);
    }
}
