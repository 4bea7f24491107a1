package io.glidepath.engine.internal;

import io.glidepath.analysis.Judge;
import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.MetricTarget;
import io.glidepath.analysis.MetricsUnavailableException;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.analysis.Verdict;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.spec.Analysis;
import io.glidepath.time.Clock;
import io.glidepath.time.Wakeup;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Watches the new version while it takes traffic: one verdict per interval from the service's
 * judge, journaled; {@code failAfter} failing verdicts in a row end the deployment. The count runs
 * across steps (a canary failing at the end of one bake is not forgiven by the next) and across a
 * restart (it starts from what the journal proves).
 */
final class AnalysisWatch {
    private final String service;
    /** The version users had before (empty on a first deployment) and the one being judged: a metric source may name them. */
    private final Optional<String> previousVersion;
    private final String newVersion;
    private final Analysis analysis;
    private final Judge judge;
    private final MetricSource metrics;
    private final Clock clock;
    private final EventSink events;
    private final Proofs.Check check;
    private final Wakeup wakeup;
    private int failuresInARow;
    /** Windows of the canary that had figures, and why the last one that had none had none: a canary never judged is said to be so. */
    private int canaryWindowsJudged;
    private String lastUnavailable;

    AnalysisWatch(String service, Optional<String> previousVersion, String newVersion, Analysis analysis, Judge judge, MetricSource metrics, Clock clock, EventSink events, Proofs.Check check,
                  Wakeup wakeup, int failuresInARow) {
        this.service = service;
        this.previousVersion = previousVersion;
        this.newVersion = newVersion;
        this.analysis = analysis;
        this.judge = judge;
        this.metrics = metrics;
        this.clock = clock;
        this.events = events;
        this.check = check;
        this.wakeup = wakeup;
        this.failuresInARow = failuresInARow;
    }

    /** The canary's side is the copies mirrored to it (no user is served by it yet). */
    private boolean shadow;

    void shadow(boolean on) {
        shadow = on;
    }

    /** Failing verdicts in a row so far. */
    int failuresInARow() {
        return failuresInARow;
    }

    /** One verdict per interval for {@code duration}: the canary against stable, or after promotion the new version alone. */
    void watch(Duration duration, boolean afterPromotion) throws Failed, InterruptedException {
        Instant end = clock.now().plus(duration);
        while (clock.now().isBefore(end)) {
            Duration left = Duration.between(clock.now(), end);
            clock.sleep(analysis.interval().compareTo(left) < 0 ? analysis.interval() : left, wakeup);
            check.failIfFailed();
            TrafficWindow w;
            try {
                MetricTarget target = afterPromotion ? new MetricTarget(service, Optional.of(newVersion), Optional.empty())
                        : new MetricTarget(service, previousVersion, Optional.of(newVersion), shadow);
                w = metrics.window(target, judge.query(analysis.interval()));
            } catch (MetricsUnavailableException e) {
                events.emit(new ReleaseEvent.Note(clock.now(), service, "no figures this interval (" + e.getMessage() + "): inconclusive"));
                lastUnavailable = e.getMessage();
                continue;
            }
            if (!afterPromotion) {
                canaryWindowsJudged++;
            }
            Verdict v = afterPromotion ? judge.promoted(w) : judge.canary(w);
            events.emit(verdictEvent(v));
            if (v.failed()) {
                failuresInARow++;
                if (failuresInARow >= judge.failAfter()) {
                    throw new Failed(RollbackCause.ANALYSIS, "analysis failed " + failuresInARow + " interval" + (failuresInARow == 1 ? "" : "s")
                            + " in a row: " + String.join("; ", v.failures()));
                }
            } else if (v.outcome() == Verdict.Outcome.PASS) {
                failuresInARow = 0;
            }
        }
    }

    /**
     * At the end of the canary's steps, the judge concludes: a canary it could not judge (too little
     * traffic) promotes or rolls back as the release file says. A canary no interval had figures for
     * (the metric source never answered) is rolled back whatever the judge: nothing was checked, and
     * promoting it would be a silent pass (Argo Rollouts and Flagger likewise fail an analysis whose
     * provider keeps failing).
     */
    void conclude() throws Failed {
        if (canaryWindowsJudged == 0 && lastUnavailable != null) {
            String why = "the canary was never judged: no interval had figures (last: " + lastUnavailable + ")";
            events.emit(new ReleaseEvent.Note(clock.now(), service, why));
            throw new Failed(RollbackCause.ANALYSIS, why + "; a canary nothing checked is not promoted");
        }
        Verdict v = judge.conclude();
        switch (v.outcome()) {
            case FAIL -> throw new Failed(RollbackCause.ANALYSIS, "analysis failed at the end of the canary: " + String.join("; ", v.failures()));
            case INCONCLUSIVE -> {
                boolean rollback = analysis.judging().inconclusive() == Analysis.Judging.Inconclusive.ROLLBACK;
                events.emit(new ReleaseEvent.Note(clock.now(), service, v.summary() + (rollback ? ": rolling back, as the release file asks"
                        : ": promoting, as the release file asks")));
                if (rollback) {
                    throw new Failed(RollbackCause.ANALYSIS, v.summary());
                }
            }
            case PASS -> { } // nothing to add: every window's verdict is journaled
        }
    }

    private ReleaseEvent.VerdictGiven verdictEvent(Verdict v) {
        TrafficWindow w = v.figures();
        return new ReleaseEvent.VerdictGiven(clock.now(), service, v.summary(), v.outcome(), w.stable().requests(), w.stable().errorRate(),
                w.canary().requests(), w.canary().errorRate(), w.canary().latencyMillis().get(99.0), w.stable().latencyMillis().get(99.0),
                v.evidence().map(Verdict.Evidence::eValue).orElse(null), v.evidence().map(Verdict.Evidence::needed).orElse(null),
                v.evidence().map(Verdict.Evidence::metrics).orElse(null), judge.state().orElse(null));
    }
}
