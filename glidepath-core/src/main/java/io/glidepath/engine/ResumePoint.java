package io.glidepath.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.Phase;
import io.glidepath.platform.Instance;
import io.glidepath.route.RouteSpec;
import java.util.List;
import java.util.Optional;

/**
 * How far a service's deployment had come when its server stopped, as its journal proves it: a
 * restarted server goes on from there with the instances it had started (adopted, never restarted).
 *
 * @param reached the last phase journaled (PENDING: none yet)
 * @param fresh the new version's live instances; empty when none had been started
 * @param switched a journaled route change had given the new version all traffic (its phase may not say so yet)
 * @param stepsDone canary steps journaled done
 * @param failuresInARow failing verdicts in a row at the end of the journal (they still count)
 * @param generation the route's generation at the restart (what a later guarded route update expects)
 * @param routeBefore the route before the deployment, as journaled (empty in journals written before it was)
 * @param judgeState the judge's state with its last verdict (a sequential judge's evidence), when it keeps one
 */
public record ResumePoint(Phase reached, List<Instance> fresh, boolean switched, int stepsDone, int failuresInARow, long generation,
                          Optional<RouteSpec> routeBefore, Optional<JsonNode> judgeState) {
    public ResumePoint {
        fresh = List.copyOf(fresh);
    }
}
