package io.glidepath.spec;

import java.time.Duration;
import java.util.List;

/** One service of a release: what to run, where users reach it, how to prove it and how to move traffic. */
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
        Location location) {

    public ServiceSpec {
        dependsOn = List.copyOf(dependsOn);
        smoke = List.copyOf(smoke);
        steps = List.copyOf(steps);
    }
}
