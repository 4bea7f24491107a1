package io.glidepath.platform;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Runs instances of service versions: local processes, or (later) Kubernetes pods. */
public interface Platform {

    /**
     * Starts {@code replicas} instances and returns them once they run (ready or not: readiness is
     * the engine's business). On failure nothing it started is left running.
     */
    List<Instance> start(ServiceVersion version, int replicas) throws PlatformException;

    /** Stops an instance: a polite signal, {@code grace} to finish, then a hard stop; blocks until gone. */
    void stop(Instance instance, Duration grace);

    /** The live instances of a service this platform knows, including those adopted after a restart. */
    List<Instance> list(String service);

    boolean isAlive(Instance instance);

    /** Completes when the instance's process ends, for whatever reason. */
    CompletableFuture<Void> exited(Instance instance);
}
