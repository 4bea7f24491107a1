package io.glidepath.platform;

import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Runs instances of service versions: local processes, or Kubernetes pods. */
public interface Platform {

    /**
     * What this platform cannot run in a service that reads well (a local process needs
     * {@code run.command}, a pod {@code run.image}), each problem located; {@code path} is the
     * service's, such as {@code services[0]}.
     */
    default List<SpecError> problems(ServiceSpec service, String path) {
        return List.of();
    }

    /**
     * What the platform itself still waits for before {@code instances} may take traffic, in words
     * (empty: nothing). The engine asks it beside its own readiness probes: on Kubernetes the
     * Deployment's status and the EndpointSlices must agree that the pods are ready, since what reads
     * them (kube-proxy, a router replica) routes by them.
     */
    default Optional<String> notReady(List<Instance> instances) {
        return Optional.empty();
    }

    /**
     * Records on the platform's own objects that {@code instances}, a previous version kept warm for a
     * quick way back, are to be retired at {@code until} (Kubernetes: the annotation
     * {@code glidepath.io/keep-until} on their Deployment), so that whoever looks at the cluster sees
     * why they still run. The engine retires them itself; this only says so.
     */
    default void keepUntil(List<Instance> instances, Instant until) throws PlatformException {
    }

    /** Where a person looks for what an instance printed, for messages: its log file, or how to read a pod's log. */
    default String whereToLook(Instance instance) {
        return instance.log() == null ? "its output" : instance.log().toString();
    }

    /**
     * Starts {@code replicas} instances and returns them once they run (ready or not: readiness is
     * the engine's business). On failure nothing it started is left running.
     */
    List<Instance> start(ServiceVersion version, int replicas) throws PlatformException;

    /** Stops an instance: a polite signal, {@code grace} to finish, then a hard stop; blocks until gone. */
    void stop(Instance instance, Duration grace);

    /** The live instances of a service this platform knows, including those adopted after a restart. */
    List<Instance> list(String service);

    /**
     * The services this platform runs instances of by its own record, beyond the registry the store
     * keeps (Kubernetes labels): so a restarted server finds a new service's instances that a crash
     * kept out of every journal.
     */
    default Set<String> services() {
        return Set.of();
    }

    boolean isAlive(Instance instance);

    /** Completes when the instance's process ends, for whatever reason. */
    CompletableFuture<Void> exited(Instance instance);
}
