package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.analysis.SequentialJudge;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A release file naming the sequential judge: the engine rolls back on its first failing verdict, journals its evidence, and concludes the canary. */
class SequentialAnalysisTest extends EngineFixture {
    static final String SEQUENTIAL = "    steps: [{weight: 50}, {bake: 30s}]\n";

    static ReleaseSpec release(String version, String analysis) throws Exception {
        return io.glidepath.spec.ReleaseReader.read("r.yaml", EngineTest.source(version, SEQUENTIAL).replace(
                "analysis: {interval: 1s, minRequests: 50, failAfter: 2, postPromotion: 10s, rules: [{errorRate: {max: 1%}}]}",
                "analysis: {judge: sequential, interval: 1s, postPromotion: 2s" + analysis + ", rules: [{errorRate: {max: 20%}}]}"));
    }

    ReleaseRecord deploy(ReleaseSpec spec) throws Exception {
        ReleaseRecord r = engine.submit(spec, "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        return store.release(r.id()).orElseThrow();
    }

    List<ReleaseEvent.VerdictGiven> verdicts(String releaseId) {
        return store.events(releaseId, 0).stream().map(StoredEvent::event).filter(e -> e instanceof ReleaseEvent.VerdictGiven)
                .map(e -> (ReleaseEvent.VerdictGiven) e).toList();
    }

    @Test
    void aCanaryWithMoreErrorsThanStableIsRolledBackOnTheFirstFailingVerdictWithItsEvidence() throws Exception {
        deploy(release("1.0.0", ""));
        metrics.figures = (t, canary) -> new TrackFigures(250, canary ? 25 : 2, Map.of(99.0, 15.0));

        ReleaseRecord r = deploy(release("2.0.0", ""));

        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).startsWith("catalog: analysis failed 1 interval in a row: errors vs stable "));
        List<ReleaseEvent.VerdictGiven> verdicts = verdicts(r.id());
        ReleaseEvent.VerdictGiven last = verdicts.getLast();
        assertThat(last.evidence()).isGreaterThanOrEqualTo(last.needed());
        assertThat(last.needed()).isEqualTo(100);
        assertThat(last.metrics()).extracting(m -> m.metric()).contains("errors vs stable");
        assertThat(last.state()).isNotNull();
        assertThat(verdicts.subList(0, verdicts.size() - 1)).allSatisfy(v -> assertThat(v.evidence()).isLessThan(100));
        assertThat(store.events(r.id(), 0)).map(StoredEvent::event).filteredOn(e -> e instanceof ReleaseEvent.RollbackDecided).first()
                .satisfies(e -> assertThat(((ReleaseEvent.RollbackDecided) e).cause()).isEqualTo(RollbackCause.ANALYSIS));
    }

    @Test
    void aCanaryAsGoodAsStableIsPromotedAndItsConclusionIsJournaled() throws Exception {
        deploy(release("1.0.0", ""));
        metrics.figures = (t, canary) -> new TrackFigures(250, 2, Map.of(99.0, 15.0));
        ReleaseRecord r = deploy(release("2.0.0", ""));
        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        assertThat(verdicts(r.id())).allSatisfy(v -> assertThat(v.evidence()).isLessThan(100));
    }

    @Test
    void aCanaryTooLittleTrafficJudgedRollsBackWhenTheReleaseFileAsks() throws Exception {
        deploy(release("1.0.0", ""));
        metrics.figures = (t, canary) -> new TrackFigures(canary ? 0 : 4, 0, Map.of());
        ReleaseRecord r = deploy(release("2.0.0", ", inconclusive: rollback"));
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("inconclusive: the canary served 0 requests over its steps"));

        ReleaseRecord promoted = deploy(release("3.0.0", ""));
        assertThat(promoted.outcome()).as("inconclusive promotes by default").contains(Outcome.PROMOTED);
        assertThat(store.events(promoted.id(), 0)).map(StoredEvent::event).anySatisfy(e -> assertThat(e.message())
                .contains("fewer than the 50 needed to judge it: promoting, as the release file asks"));
    }

    @Test
    void aResumedCanaryGoesOnWithTheEvidenceItsJournalHad() throws Exception {
        deploy(release("1.0.0", ""));
        ReleaseSpec v2 = release("2.0.0", "");
        // the evidence a stopped server had journaled: five seconds of a canary with twice stable's errors
        SequentialJudge before = new SequentialJudge(v2.services().get(0).analysis());
        io.glidepath.analysis.Verdict last = null;
        for (int i = 0; i < 5; i++) {
            before.query(Duration.ofSeconds(1));
            last = before.canary(new TrafficWindow(Duration.ofSeconds(1), new TrackFigures(250, 3, Map.of()), new TrackFigures(250, 6, Map.of())));
        }
        JsonNode state = before.state().orElseThrow();
        double had = errorsEvidence(last);
        ResumePoint at = new ResumePoint(io.glidepath.journal.Phase.SHIFTING, List.of(), false, 1, 0, 0, java.util.Optional.empty(),
                java.util.Optional.of(state));
        io.glidepath.analysis.Judge judge = io.glidepath.analysis.Judge.byReleaseFile().forService(v2.services().get(0), at.judgeState());

        judge.query(Duration.ofSeconds(1));
        double next = errorsEvidence(judge.canary(new TrafficWindow(Duration.ofSeconds(1), new TrackFigures(250, 3, Map.of()),
                new TrackFigures(250, 6, Map.of()))));
        assertThat(had).isGreaterThan(1);
        assertThat(next).as("the evidence goes on from where it was, not from 1").isGreaterThan(had);
    }

    private static double errorsEvidence(io.glidepath.analysis.Verdict v) {
        return v.evidence().orElseThrow().metrics().stream().filter(m -> m.metric().equals("errors vs stable")).findFirst().orElseThrow().eValue();
    }
}
