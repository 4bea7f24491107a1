package io.glidepath.policy;

import io.glidepath.spec.ReleaseSpec;
import java.time.Instant;
import java.util.Optional;

/**
 * The deploy window closed now for a release's services, as the server's policy says at that moment
 * (it may have been reloaded since the release was submitted). The engine asks it again when a
 * release that waited (in the queue, or for an approval) is about to start.
 */
@FunctionalInterface
public interface WindowGuard {
    /** No windows: never closed. */
    WindowGuard NONE = (spec, now) -> Optional.empty();

    Optional<DeployWindow.Closed> closedNow(ReleaseSpec spec, Instant now);
}
