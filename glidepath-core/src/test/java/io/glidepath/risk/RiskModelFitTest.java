package io.glidepath.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The model fitted on a generated history (seeded, with a known truth) and judged on the newer
 * releases it never saw: it must find the generator's signal, be calibrated, and learn a team whose
 * truth runs against its prior.
 */
class RiskModelFitTest {
    static final int RELEASES = 2000;

    /**
     * What "found the signal" means: ranks failures well above chance, with at least 60% of the lift over
     * chance that the truth itself has (the truth knows each service's hidden fragility and every
     * release's noise, which no model of the history can), and beats saying the base rate of every release.
     */
    static void assertFindsTheSignal(Evaluation.Metrics model, Evaluation e) {
        double truth = e.truth().orElseThrow().auc();
        assertThat(model.auc()).as("AUC on held-out releases").isGreaterThan(0.65);
        assertThat((model.auc() - 0.5) / (truth - 0.5)).as("share of the truth's lift (truth's AUC " + truth + ", model's " + model.auc() + ")")
                .isGreaterThan(0.6);
        assertThat(model.brier()).as("Brier against saying the base rate").isLessThan(e.baseRate().brier() - 0.01);
    }

    @Test
    void theFitFindsTheGeneratorsSignalInReleasesItNeverSaw() {
        SyntheticHistory.Generated g = SyntheticHistory.generate(7, RELEASES);
        Evaluation e = Evaluation.holdOut(g.releases(), 0.7, Integer.MAX_VALUE, ZoneOffset.UTC, g.truth());
        assertThat(e.trained()).isGreaterThan(1200);
        assertThat(e.tested()).isGreaterThan(500);
        assertFindsTheSignal(e.fitted(), e);
        // calibrated: what it says is what happens, on the whole and decile by decile
        assertThat(e.fitted().calibrationError()).isLessThan(0.05);
        double said = e.reliability().stream().mapToDouble(b -> b.predicted() * b.releases()).sum() / e.tested();
        assertThat(said).isCloseTo(e.testFailureRate(), within(0.03));
        assertThat(e.reliability()).hasSize(10);
        assertThat(e.reliability().get(9).observed()).as("the riskiest tenth fails far more than the safest").isGreaterThan(
                4 * Math.max(0.02, e.reliability().get(0).observed()));
        // the strongest effects the generator put in are found, in their direction
        assertThat(e.model().coefficient(Factor.MIGRATION)).isGreaterThan(0.5);
        assertThat(e.model().coefficient(Factor.ROLLBACKS)).isGreaterThan(0.1);
        assertThat(e.model().coefficient(Factor.CONFIG)).isGreaterThan(0.1);
    }

    @Test
    void aModelThatSaysTheSameOfEveryReleaseFailsTheSameChecks() {
        SyntheticHistory.Generated g = SyntheticHistory.generate(7, RELEASES);
        Evaluation e = Evaluation.holdOut(g.releases(), 0.7, Integer.MAX_VALUE, ZoneOffset.UTC, g.truth());
        assertThat(e.baseRate().auc()).isEqualTo(0.5);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertFindsTheSignal(e.baseRate(), e)).isInstanceOf(AssertionError.class);
    }

    @Test
    void aTeamUnlikeThePriorIsLearnedFromItsOwnHistory() {
        SyntheticHistory.Generated g = SyntheticHistory.generate(8, RELEASES, SyntheticHistory.Truth.CONTRARY);
        Evaluation e = Evaluation.holdOut(g.releases(), 0.7, Integer.MAX_VALUE, ZoneOffset.UTC, g.truth());
        assertFindsTheSignal(e.fitted(), e);
        assertThat(e.fitted().brier()).as("fitted against the prior alone").isLessThan(e.prior().brier() - 0.01);
        assertThat(e.fitted().auc()).isGreaterThan(e.prior().auc());
        // its rehearsed migrations and careful night shifts lower the risk, though the prior says they raise it
        assertThat(e.model().coefficient(Factor.MIGRATION)).isNegative();
        assertThat(e.model().coefficient(Factor.OFF_HOURS)).isNegative();
        assertThat(e.model().coefficient(Factor.CONFIG)).isGreaterThan(Factor.CONFIG.prior());
    }

    @Test
    void thePriorHoldsWhileTheHistoryIsThin() {
        SyntheticHistory.Generated g = SyntheticHistory.generate(8, RELEASES, SyntheticHistory.Truth.CONTRARY);
        History h = new History(g.releases());
        List<RiskModel.Example> all = h.examples(ZoneOffset.UTC);
        RiskModel thin = RiskModel.fit(all.subList(0, 10));
        RiskModel rich = RiskModel.fit(all);
        for (Factor f : Factor.values()) {
            assertThat(thin.coefficient(f)).as(f + " after 10 releases").isCloseTo(f.prior(), within(0.3));
        }
        assertThat(rich.coefficient(Factor.MIGRATION)).as("after " + all.size() + " releases").isLessThan(Factor.MIGRATION.prior() - 1);
        assertThat(RiskModel.fit(List.of())).isEqualTo(RiskModel.prior());
    }

    @Test
    void theFitFindsKnownCoefficientsWhenTheModelIsTrue() {
        // releases drawn from a logistic model of the same form: the fit must land on its coefficients
        java.util.Random r = new java.util.Random(3);
        double[] truth = {0.4, 0.1, 0.3, 1.2, 0.25, 0.5, -0.6, 0.2, 0.0};
        List<RiskModel.Example> examples = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            double[] x = new double[Factor.values().length];
            x[0] = r.nextInt(4);
            x[1] = r.nextDouble() * 6;
            x[2] = r.nextDouble() < 0.3 ? 1 + r.nextDouble() : 0;
            x[3] = r.nextDouble() < 0.2 ? 1 : 0;
            x[4] = r.nextInt(5);
            x[5] = r.nextDouble() < 0.1 ? 1 : 0;
            x[6] = r.nextDouble() < 0.3 ? 1 : 0;
            x[7] = r.nextDouble() < 0.4 ? 1 : 0;
            x[8] = r.nextInt(3);
            double p = new RiskModel(-2.0, truth, 0, 0).probability(x);
            examples.add(new RiskModel.Example(x, r.nextDouble() < p));
        }
        RiskModel fit = RiskModel.fit(examples);
        assertThat(fit.intercept()).isCloseTo(-2.0, within(0.15));
        for (Factor f : Factor.values()) {
            assertThat(fit.coefficient(f)).as(f.name()).isCloseTo(truth[f.ordinal()], within(0.12));
        }
    }

    @Test
    void theSameSeedMakesTheSameHistory() {
        SyntheticHistory.Generated a = SyntheticHistory.generate(5, 300);
        SyntheticHistory.Generated b = SyntheticHistory.generate(5, 300);
        assertThat(a.releases()).isEqualTo(b.releases());
        assertThat(a.truth()).isEqualTo(b.truth());
        assertThat(SyntheticHistory.generate(6, 300).releases()).isNotEqualTo(a.releases());
        Map<String, Double> truth = a.truth();
        assertThat(truth).hasSize(300);
    }
}
