package io.glidepath.spec;

import io.glidepath.route.BackendProtocol;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How an instance runs. On the local platform: {@code command} as argv (never through a shell), with
 * {@code env}, in {@code workdir}; each may use {@link Templates}. On Kubernetes: {@code container}'s
 * image, with {@code command} (when given) in place of the image's entrypoint and {@code env}.
 * {@code stopGrace} is the time between SIGTERM and SIGKILL (a pod's termination grace). {@code protocol}
 * is what the instances speak: HTTP/1.1, or h2c (HTTP/2 in clear text, as gRPC servers do). Which of
 * command and container a platform needs, it says when it checks a release ({@code Platform.problems}).
 */
public record RunSpec(List<String> command, Map<String, String> env, Optional<String> workdir, int replicas, Duration stopGrace,
                      Optional<ContainerSpec> container, BackendProtocol protocol, Location location) {

    public RunSpec {
        command = List.copyOf(command);
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env)); // in the file's order, as plan shows it
    }

    public RunSpec(List<String> command, Map<String, String> env, Optional<String> workdir, int replicas, Duration stopGrace,
                   Optional<ContainerSpec> container, Location location) {
        this(command, env, workdir, replicas, stopGrace, container, BackendProtocol.HTTP1, location);
    }

    /** A process to run, without a container image (the local platform's tests). */
    public RunSpec(List<String> command, Map<String, String> env, Optional<String> workdir, int replicas, Duration stopGrace) {
        this(command, env, workdir, replicas, stopGrace, Optional.empty(), new Location("", 0, 0));
    }
}
