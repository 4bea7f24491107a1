package io.glidepath.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.spec.ServiceSpec;
import java.time.Duration;
import java.util.Optional;

/**
 * Turns one window of the new version's and the baseline's figures into a verdict a person can
 * read. A seam: each service's deployment gets its own judge from a {@link Factory} (so a judge may
 * keep state from window to window, as a sequential test does, and its state is journaled so that a
 * restarted server goes on with it), and a new kind of judge is added without touching the engine.
 * The engine counts failing verdicts in a row against {@link #failAfter}.
 */
public interface Judge {

    /** What this judge reads of the next window of {@code interval} (it may depend on what it saw so far). */
    MetricQuery query(Duration interval);

    /** The canary against stable, during bakes and pauses. */
    Verdict canary(TrafficWindow w);

    /** The new version alone after its promotion (the window's stable track is the new version). */
    Verdict promoted(TrafficWindow w);

    /**
     * Failing verdicts in a row that end the deployment: the analysis's {@code failAfter} for a judge
     * that looks at each window alone, 1 for a judge whose failing verdict is already a decision.
     */
    int failAfter();

    /**
     * At the end of the canary's steps: PASS to promote, INCONCLUSIVE when too little was seen to
     * judge (the release file says what that does), FAIL to roll back.
     */
    Verdict conclude();

    /** What a restarted server needs to go on with this judge (journaled with each verdict); empty for a judge without memory. */
    Optional<JsonNode> state();

    /** Chooses and makes the judge of each service's deployment, going on from a journaled state when there is one. */
    @FunctionalInterface
    interface Factory {
        Judge forService(ServiceSpec service, Optional<JsonNode> state);
    }

    /** The judge each release file names: fixed thresholds ({@link ThresholdJudge}) or sequential ({@link SequentialJudge}). */
    static Factory byReleaseFile() {
        return (service, state) -> switch (service.analysis().judging().kind()) {
            case THRESHOLDS -> new ThresholdJudge(service.analysis());
            case SEQUENTIAL -> state.map(s -> SequentialJudge.restore(service.analysis(), s)).orElseGet(() -> new SequentialJudge(service.analysis()));
        };
    }
}
