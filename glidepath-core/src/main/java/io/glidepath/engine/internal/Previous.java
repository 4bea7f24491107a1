package io.glidepath.engine.internal;

import io.glidepath.platform.Instance;
import java.util.List;
import java.util.Optional;

/** The version serving users before a deployment, and its live instances (none on a first deployment). */
public record Previous(Optional<String> version, List<Instance> instances) {
    public Previous {
        instances = List.copyOf(instances);
    }

    public static Previous none() {
        return new Previous(Optional.empty(), List.of());
    }

    /** Its version for sentences: "?" when unknown. */
    String name() {
        return version.orElse("?");
    }
}
