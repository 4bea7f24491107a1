package io.glidepath.spec;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the local platform runs an instance: {@code command} as argv (never through a shell), with
 * {@code env}, in {@code workdir}; both may use {@link Templates}. {@code stopGrace} is the time
 * between SIGTERM and SIGKILL.
 */
public record RunSpec(List<String> command, Map<String, String> env, Optional<String> workdir, int replicas, Duration stopGrace) {

    public RunSpec {
        command = List.copyOf(command);
        env = Map.copyOf(env);
    }
}
