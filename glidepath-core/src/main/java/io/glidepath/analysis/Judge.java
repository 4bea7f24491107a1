package io.glidepath.analysis;

import io.glidepath.spec.ServiceSpec;
import java.time.Duration;

/**
 * Turns one window of the new version's and the baseline's figures into a verdict a person can
 * read. A seam: each service's deployment gets its own judge from a {@link Factory} (so a judge may
 * keep state from window to window, as a sequential test does), and a new kind of judge is added
 * without touching the engine. The engine counts failing verdicts in a row against {@code failAfter}.
 */
public interface Judge {

    /** What this judge reads of the next window of {@code interval} (it may depend on what it saw so far). */
    MetricQuery query(Duration interval);

    /** The canary against stable, during bakes and pauses. */
    Verdict canary(TrafficWindow w);

    /** The new version alone after its promotion (the window's stable track is the new version). */
    Verdict promoted(TrafficWindow w);

    /** Chooses the judge of each service's deployment. */
    @FunctionalInterface
    interface Factory {
        Judge forService(ServiceSpec service);
    }

    /** Every service judged by fixed thresholds ({@link ThresholdJudge}). */
    static Factory thresholds() {
        return service -> new ThresholdJudge(service.analysis());
    }
}
