package io.glidepath.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.spec.Analysis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ThresholdJudgeTest {
    static final Analysis RULES = new Analysis(Duration.ofSeconds(1), 50, 2, Duration.ofSeconds(30), List.of(
            new Analysis.Rule.ErrorRate(Optional.of(0.01), Optional.of(0.005)),
            new Analysis.Rule.Latency(99, Duration.ofMillis(300))));

    static TrafficWindow window(long stableReq, long stableErr, long canaryReq, long canaryErr, double canaryP99) {
        return new TrafficWindow(Duration.ofSeconds(1), new TrackFigures(stableReq, stableErr, Map.of(99.0, 20.0)),
                new TrackFigures(canaryReq, canaryErr, Map.of(99.0, canaryP99)));
    }

    @Test
    void aHealthyCanaryPassesAndSaysWhy() {
        Verdict v = new ThresholdJudge(RULES).canary(window(1000, 1, 100, 0, 40));
        assertThat(v.outcome()).isEqualTo(Verdict.Outcome.PASS);
        assertThat(v.summary()).isEqualTo("pass: canary error rate 0% (0 of 100) within 1%; canary error rate 0% vs stable 0.1% within +0.5%; "
                + "canary p99 latency 40ms within 300ms over the last 1s");
    }

    @Test
    void tooFewCanaryRequestsIsInconclusive() {
        Verdict v = new ThresholdJudge(RULES).canary(window(1000, 0, 12, 12, 40));
        assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INCONCLUSIVE);
        assertThat(v.summary()).isEqualTo("inconclusive: canary had 12 requests over the last 1s, fewer than the 50 needed for a verdict");
    }

    @Test
    void anErrorRateAboveTheMaxFailsWithItsNumbers() {
        Verdict v = new ThresholdJudge(RULES).canary(window(1000, 0, 200, 25, 40));
        assertThat(v.failed()).isTrue();
        assertThat(v.failures()).containsExactly(
                "canary error rate 12.5% (25 of 200) is above the 1% allowed",
                "canary error rate 12.5% vs stable 0%: 12.5% higher, more than the 0.5% allowed");
    }

    @Test
    void anIncreaseOverStableFailsEvenUnderTheMax() {
        Analysis incOnly = new Analysis(Duration.ofSeconds(1), 50, 2, Duration.ofSeconds(30),
                List.of(new Analysis.Rule.ErrorRate(Optional.empty(), Optional.of(0.005))));
        assertThat(new ThresholdJudge(incOnly).canary(window(1000, 0, 1000, 8, 40)).failures())
                .containsExactly("canary error rate 0.8% vs stable 0%: 0.8% higher, more than the 0.5% allowed");
        assertThat(new ThresholdJudge(incOnly).canary(window(1000, 5, 1000, 8, 40)).outcome()).isEqualTo(Verdict.Outcome.PASS);
    }

    @Test
    void slowCanaryLatencyFails() {
        assertThat(new ThresholdJudge(RULES).canary(window(1000, 0, 100, 0, 450)).failures())
                .containsExactly("canary p99 latency 450ms is above the 300ms allowed");
    }

    @Test
    void afterPromotionTheNewVersionIsJudgedAloneWithoutTheIncreaseRule() {
        TrafficWindow w = new TrafficWindow(Duration.ofSeconds(1), new TrackFigures(500, 3, Map.of(99.0, 10.0)), TrackFigures.none());
        Verdict v = new ThresholdJudge(RULES).promoted(w);
        assertThat(v.outcome()).isEqualTo(Verdict.Outcome.PASS);
        assertThat(v.summary()).doesNotContain("vs stable").contains("new version error rate 0.6% (3 of 500) within 1%");
        TrafficWindow bad = new TrafficWindow(Duration.ofSeconds(1), new TrackFigures(500, 50, Map.of(99.0, 10.0)), TrackFigures.none());
        assertThat(new ThresholdJudge(RULES).promoted(bad).failures()).containsExactly("new version error rate 10% (50 of 500) is above the 1% allowed");
    }

    @Test
    void asksTheSourceForThePercentilesTheRulesUse() {
        assertThat(new ThresholdJudge(RULES).query(java.time.Duration.ofSeconds(1))).isEqualTo(MetricQuery.of(java.time.Duration.ofSeconds(1), java.util.Set.of(99.0)));
    }

    static final Analysis BUSINESS = new Analysis(Duration.ofSeconds(5), 50, 2, Duration.ofSeconds(30), List.of(
            new Analysis.Rule.ErrorRate(Optional.of(0.01), Optional.empty()),
            new Analysis.Rule.Metric("checkouts", "q", Optional.of(0.05), Optional.empty()),
            new Analysis.Rule.Metric("refunds", "q", Optional.empty(), Optional.of(3.0))));

    static TrafficWindow withMetrics(Map<String, Double> stable, Map<String, Double> canary) {
        return new TrafficWindow(Duration.ofSeconds(5), new TrackFigures(1000, 0, Map.of(), Map.of(), stable),
                new TrackFigures(200, 0, Map.of(), Map.of(), canary));
    }

    @Test
    void aJudgeWithMetricRulesAsksForThemByName() {
        assertThat(new ThresholdJudge(BUSINESS).query(Duration.ofSeconds(5)).metrics()).containsExactlyInAnyOrder("checkouts", "refunds");
        assertThat(new ThresholdJudge(RULES).query(Duration.ofSeconds(1)).metrics()).isEmpty();
    }

    @Test
    void businessMetricsWithinTheirBoundsPass() {
        Verdict v = new ThresholdJudge(BUSINESS).canary(withMetrics(Map.of(), Map.of("checkouts", 0.0712, "refunds", 1.0)));
        assertThat(v.outcome()).isEqualTo(Verdict.Outcome.PASS);
        assertThat(v.summary()).contains("canary checkouts 0.0712 at or above 0.05", "canary refunds 1 at or under 3");
    }

    @Test
    void aBusinessMetricBelowItsMinOrAboveItsMaxFails() {
        Verdict v = new ThresholdJudge(BUSINESS).canary(withMetrics(Map.of("checkouts", 0.5), Map.of("checkouts", 0.01, "refunds", 7.25)));
        assertThat(v.failures()).containsExactly("canary checkouts 0.01 is below the 0.05 required", "canary refunds 7.25 is above the 3 allowed");
    }

    @Test
    void afterPromotionTheNewVersionsOwnMetricsAreJudged() {
        Verdict v = new ThresholdJudge(BUSINESS).promoted(withMetrics(Map.of("checkouts", 0.01, "refunds", 0.0), Map.of()));
        assertThat(v.failures()).containsExactly("new version checkouts 0.01 is below the 0.05 required");
    }

    @Test
    void aMetricWithoutAFigureIsNoPass() {
        Verdict v = new ThresholdJudge(BUSINESS).canary(withMetrics(Map.of(), Map.of("refunds", 1.0)));
        assertThat(v.outcome()).isEqualTo(Verdict.Outcome.INCONCLUSIVE);
        assertThat(v.summary()).isEqualTo("inconclusive: no figure for canary checkouts over the last 5s");
    }
}
