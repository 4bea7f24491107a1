package io.glidepath.spec;

import io.glidepath.route.RouteMatch;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One service of a release: what to run, where users reach it, how to prove it and how to move traffic;
 * {@code database} names the release's {@link DatabaseSpec} its versions use, when they use one;
 * {@code fleetMember} is present on a customer's deployment of a fleet ({@link #forCustomer}).
 */
public record ServiceSpec(
        String name,
        String version,
        List<String> dependsOn,
        RunSpec run,
        ServiceRoute route,
        Readiness readiness,
        List<HttpCheck> smoke,
        Strategy strategy,
        List<Step> steps,
        Analysis analysis,
        Duration keepPrevious,
        Optional<String> database,
        Location location,
        Optional<FleetMember> fleetMember) {

    public ServiceSpec {
        dependsOn = List.copyOf(dependsOn);
        smoke = List.copyOf(smoke);
        steps = List.copyOf(steps);
    }

    public ServiceSpec(String name, String version, List<String> dependsOn, RunSpec run, ServiceRoute route, Readiness readiness, List<HttpCheck> smoke,
                       Strategy strategy, List<Step> steps, Analysis analysis, Duration keepPrevious, Optional<String> database, Location location) {
        this(name, version, dependsOn, run, route, readiness, smoke, strategy, steps, analysis, keepPrevious, database, location, Optional.empty());
    }

    public ServiceSpec withDependsOn(List<String> deps) {
        return new ServiceSpec(name, version, deps, run, route, readiness, smoke, strategy, steps, analysis, keepPrevious, database, location, fleetMember);
    }

    /** The same service moving traffic by {@code s} through {@code newSteps} (what {@code strategy: auto} became). */
    public ServiceSpec withStrategy(Strategy s, List<Step> newSteps) {
        return new ServiceSpec(name, version, dependsOn, run, route, readiness, smoke, s, newSteps, analysis, keepPrevious, database, location, fleetMember);
    }

    /**
     * This service as one customer of its fleet deploys it: named {@code SERVICE.CUSTOMER}, on the
     * customer's route, with the customer's overrides of the run settings; located at the customer.
     */
    public ServiceSpec forCustomer(FleetSpec fleet, FleetSpec.Customer c) {
        int ring = fleet.ringOf(c.name());
        Map<String, String> env = new LinkedHashMap<>(run.env());
        env.putAll(c.env());
        Optional<ContainerSpec> container = run.container().map(k -> new ContainerSpec(k.image(), k.port(), c.cpu().or(k::cpu), c.memory().or(k::memory)));
        RunSpec r = new RunSpec(run.command(), env, run.workdir(), c.replicas().orElse(run.replicas()), run.stopGrace(), container, run.protocol(),
                run.location());
        RouteMatch m = new RouteMatch(c.host().orElse(route.match().host()), c.pathPrefix().orElse(route.match().pathPrefix()));
        ServiceRoute rt = new ServiceRoute(m, route.sticky(), route.shield(), route.drainTimeout(), route.https(), route.mirrorAllMethods());
        return new ServiceSpec(FleetSpec.deploymentName(name, c.name()), version, dependsOn, r, rt, readiness, smoke, strategy, steps, analysis,
                keepPrevious, database, c.location(), Optional.of(new FleetMember(name, c.name(), ring, fleet.rings().get(ring).name())));
    }

    /** The waits the file configures for this service: its bakes and the watch after promotion. */
    public Duration configuredWaits() {
        Duration d = analysis.postPromotion();
        for (Step s : steps) {
            if (s instanceof Step.Bake b) {
                d = d.plus(b.duration());
            }
        }
        return d;
    }
}
