package io.glidepath.spec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One service of a release: what to run, where users reach it, how to prove it and how to move traffic;
 * {@code database} names the release's {@link DatabaseSpec} its versions use, when they use one.
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
        Location location) {

    public ServiceSpec {
        dependsOn = List.copyOf(dependsOn);
        smoke = List.copyOf(smoke);
        steps = List.copyOf(steps);
    }

    public ServiceSpec withDependsOn(List<String> deps) {
        return new ServiceSpec(name, version, deps, run, route, readiness, smoke, strategy, steps, analysis, keepPrevious, database, location);
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
