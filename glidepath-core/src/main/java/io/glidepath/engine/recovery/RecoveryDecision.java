package io.glidepath.engine.recovery;

import io.glidepath.engine.ResumePoint;
import io.glidepath.platform.Instance;
import io.glidepath.route.RouteSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a restarted server does with one release its predecessor left unfinished ({@link RecoveryPlanner}). */
public sealed interface RecoveryDecision {

    /** It never left the queue: nothing was deployed. */
    record Cancel(String reason) implements RecoveryDecision {
    }

    /** Every service already ran the version it asks for. */
    record Unchanged() implements RecoveryDecision {
    }

    /** The journal proves the work done and the router serves the new versions: only the end is missing. */
    record FinishPromotion() implements RecoveryDecision {
    }

    /** The release goes on where its journal proves it was (the engine resumes it). */
    record Resume(int wavesDone, Map<String, ResumePoint> resumeAt) implements RecoveryDecision {
        public Resume {
            resumeAt = Map.copyOf(resumeAt);
        }
    }

    /**
     * The release rolls back as a whole (or finishes the rollback it had begun): each service in
     * {@code services}, in that order (last wave first), goes back to its previous version.
     *
     * @param finishing a rollback had begun before the server stopped
     */
    record RollBack(String reason, boolean finishing, List<ServiceBack> services) implements RecoveryDecision {
        public RollBack {
            services = List.copyOf(services);
        }
    }

    /**
     * A fleet's failure budget was exceeded with {@code then: keep} before the server stopped: the
     * stop is finished. Services the release had promoted and watched ({@code kept}) keep the new
     * version; each in {@code services} goes back, as in {@link RollBack}; the release ends STOPPED.
     */
    record FinishStop(String reason, List<ServiceBack> services, List<String> kept) implements RecoveryDecision {
        public FinishStop {
            services = List.copyOf(services);
            kept = List.copyOf(kept);
        }
    }

    /** How one service goes back. */
    sealed interface Route {
        /** Set the route to this: the previous version alone, under the route it had before the release. */
        record Restore(RouteSpec spec) implements Route {
        }

        /** Remove the route: the service had no version before the release. */
        record Remove() implements Route {
        }

        /** There is no route to change. */
        record Absent() implements Route {
        }

        /** The previous version has no live instance: the route is left serving what it serves. */
        record Stuck() implements Route {
        }
    }

    /**
     * One service going back to {@code target} (empty: it had none).
     *
     * @param leaving the instances that drain and stop (the release's, or anything but the target version)
     * @param resetRecord the store had recorded this release's version as current: it goes back too
     * @param markRolledBack journal its ROLLED_BACK phase (it had begun and had not ended so)
     * @param version the version the release deployed, as journaled
     */
    record ServiceBack(String service, Optional<String> target, Route route, List<Instance> leaving, boolean resetRecord, boolean markRolledBack,
                       String version, Duration drainTimeout, Duration stopGrace) {
        public ServiceBack {
            leaving = List.copyOf(leaving);
        }
    }
}
