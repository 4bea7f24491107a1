package io.glidepath.engine.internal;

import io.glidepath.platform.Instance;
import io.glidepath.route.BackendProtocol;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.Mirror;
import io.glidepath.route.RouteSpec;
import io.glidepath.spec.ServiceSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The routes one deployment sets, and whose settings each carries. What belongs to a version travels
 * with its endpoints: each endpoint is checked on its own version's readiness path and drains by its
 * own version's drain timeout, in whatever track it is ({@link EndpointSettings}). What belongs to the
 * route (match, stickiness) is the stable version's: the route the users of the previous version
 * have, until the update that promotes the new version, and again after a rollback. The canary
 * shield is the deploying release's while its canary takes traffic (it is a policy about the canary).
 *
 * @param before the route as it was before this deployment (empty on a first deployment, or when the
 *               route had gone); the previous version's endpoints keep its settings
 */
record RouteSpecs(ServiceSpec spec, Optional<RouteSpec> before) {

    /** The settings a service's version brings to each of its endpoints. */
    static EndpointSettings settingsOf(ServiceSpec spec) {
        // an h2c (gRPC) endpoint answers no GET: the router checks it connects, the engine proved its gRPC health
        // a gRPC server answers no GET: the router checks it as the engine's readiness does, with the standard health service
        HealthCheck health = spec.run().protocol() == BackendProtocol.H2C
                ? HealthCheck.grpc(spec.readiness().grpcService().orElse("")).withTimeout(spec.readiness().timeout())
                : new HealthCheck(spec.readiness().path(), Duration.ofSeconds(1), spec.readiness().timeout(), 2, 2);
        return new EndpointSettings(health, spec.route().drainTimeout(), Optional.of(spec.version()), spec.run().protocol());
    }

    /** The first version of a service takes all traffic. */
    RouteSpec firstDeployment(List<Instance> fresh) {
        return promoted(fresh, List.of());
    }

    /** The previous version serves; the new one is on the preview track, reachable only with the preview key. */
    RouteSpec preview(List<Instance> stable, List<Instance> fresh) {
        return build(previousRoute(), stable, List.of(), fresh, 0);
    }

    /** The previous version serves, the new one takes {@code weight} basis points as the canary, under the deploying release's shield. */
    RouteSpec canary(List<Instance> stable, List<Instance> fresh, int weight) {
        return build(previousRoute().withShield(spec.route().shield()), stable, fresh, List.of(), weight);
    }

    /**
     * The previous version serves every user; copies of {@code share} of the requests also go to the new
     * version (weight 0), GET and HEAD only unless the new version's route allows every method.
     */
    RouteSpec mirrored(List<Instance> stable, List<Instance> fresh, int share) {
        return canary(stable, fresh, 0).withMirror(new Mirror(share, spec.route().mirrorAllMethods()));
    }

    /** The new version serves under its own route settings; {@code warm} (the previous version) waits on the preview track. */
    RouteSpec promoted(List<Instance> fresh, List<Instance> warm) {
        return build(newRoute(), fresh, List.of(), warm, 0);
    }

    /** The previous version serves again, under the route it had before. */
    RouteSpec restored(List<Instance> stable) {
        return build(previousRoute(), stable, List.of(), List.of(), 0);
    }

    /** The route's own settings as the new version's release file gives them. */
    private RouteSpec newRoute() {
        EndpointSettings s = settingsOf(spec);
        var r = spec.route();
        return new RouteSpec(spec.name(), r.match(), List.of(), List.of(), List.of(), 0, r.sticky(), RouteSpec.DEFAULT_OVERRIDE_HEADER, r.shield(),
                s.health(), s.drainTimeout()).withHttps(r.https());
    }

    /** The route's own settings as they were before this deployment (the new version's when there was no route). */
    private RouteSpec previousRoute() {
        return before.orElseGet(this::newRoute);
    }

    private RouteSpec build(RouteSpec settings, List<Instance> stable, List<Instance> canary, List<Instance> preview, int weight) {
        Map<EndpointAddress, EndpointSettings> endpoints = new LinkedHashMap<>();
        for (List<Instance> track : List.of(stable, canary, preview)) {
            track.forEach(i -> endpoints.put(i.address(), settingsOf(i)));
        }
        return new RouteSpec(spec.name(), settings.match(), addresses(stable), addresses(canary), addresses(preview), weight, settings.sticky(),
                settings.overrideHeader(), settings.shield(), settings.health(), settings.drainTimeout(), endpoints, settings.https());
    }

    /**
     * An instance of the new version has the new version's settings; any other keeps what the route
     * before gave it. An instance the route before did not hold (it had gone) is checked with a TCP
     * connect, never on the new version's path, which it may not answer.
     */
    private EndpointSettings settingsOf(Instance i) {
        if (i.version().equals(spec.version())) {
            return settingsOf(spec);
        }
        return before.filter(r -> r.allEndpoints().contains(i.address())).map(r -> r.settingsOf(i.address()))
                .orElseGet(() -> new EndpointSettings(HealthCheck.tcpDefault(), before.map(RouteSpec::drainTimeout).orElse(RouteSpec.DEFAULT_DRAIN_TIMEOUT)));
    }

    /** How long the previous version's instances may drain: the longest of their own drain timeouts. */
    Duration previousDrainTimeout(List<Instance> previous) {
        return previous.stream().map(this::settingsOf).map(EndpointSettings::drainTimeout).max(Duration::compareTo)
                .orElse(spec.route().drainTimeout());
    }

    private static List<EndpointAddress> addresses(List<Instance> instances) {
        return instances.stream().map(Instance::address).toList();
    }
}
