package io.glidepath.risk;

import static io.glidepath.risk.RiskFixtures.BERLIN;
import static io.glidepath.risk.RiskFixtures.berlin;
import static io.glidepath.risk.RiskFixtures.file;
import static io.glidepath.risk.RiskFixtures.release;
import static io.glidepath.risk.RiskFixtures.service;
import static io.glidepath.risk.RiskFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.journal.Outcome;
import io.glidepath.spec.ChosenStrategy;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The advice for high and low risk, what strategy: auto becomes, and the factors' words with their share. */
class AdviceTest {

    static RiskAssessment assess(History h, ReleaseSpec spec, Instant at) {
        return RiskAssessment.of(RiskModel.prior(), h.observe(ReleaseFacts.proposed("p", spec, at), BERLIN), BERLIN, at);
    }

    @Test
    void highRiskGetsASlowCanaryAndAnApprovalWithItsReasonsInWords() {
        History h = new History(HistoryTest.history());
        ReleaseSpec spec = spec(HistoryTest.PROPOSED.replace("    dependsOn: [ledger]\n", "    dependsOn: [ledger]\n    strategy: auto\n"));
        Instant at = berlin("2026-11-27T21:40");
        RiskAssessment a = assess(h, spec, at);
        assertThat(a.level()).isEqualTo(RiskLevel.HIGH);
        assertThat(a.releases()).isZero();
        // the log-odds are the baseline plus every factor's share
        double sum = a.baseline() + a.contributions().stream().mapToDouble(RiskAssessment.Contribution::logOdds).sum();
        assertThat(Math.log(a.probability() / (1 - a.probability()))).isCloseTo(sum, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(a.top(3)).extracting(RiskAssessment.Contribution::sentence).containsExactly(
                "3 rollbacks of payments in its last 6 releases (2 analysis, 1 smoke test): +1.5",
                "migrates a database: +0.8",
                "3 configuration changes (payments: env.MODE, env.TRACE, replicas): +0.4");
        assertThat(a.headline()).startsWith("high (").endsWith("% chance of a rollback; the prior alone: no past release to learn from)");

        Advice advice = Advice.of(a, spec, h, Set.of("payments"));
        assertThat(advice.summary()).isEqualTo("high: canary 5% / 25% / 50% with 2m bakes, and an approval");
        assertThat(advice.approval()).isTrue();
        ChosenStrategy payments = advice.chosen().get("payments");
        assertThat(advice.chosen()).containsOnlyKeys("payments");
        assertThat(payments.strategy()).isEqualTo(Strategy.CANARY);
        assertThat(payments.weights()).containsExactly(500, 2500, 5000);
        assertThat(payments.bake()).isEqualTo(Duration.ofMinutes(2));
        assertThat(payments.level()).isEqualTo("high");
        assertThat(payments.why()).startsWith("risk high (").contains("3 rollbacks of payments in its last 6 releases (2 analysis, 1 smoke test): +1.5; "
                + "migrates a database: +0.8").doesNotContain("first release");
        assertThat(advice.services().get("ledger").choice().why()).endsWith("nothing of ledger runs yet: a first release takes all traffic at once, "
                + "whatever the strategy");
        // the release runs what auto became
        assertThat(spec.withChosenStrategies(advice.chosen()).service("payments").orElseThrow().steps()).hasSize(6);
        assertThat(advice.json().path("services").get(0).path("steps").toString())
                .isEqualTo("[{\"weight\":5},{\"bake\":\"2m\"},{\"weight\":25},{\"bake\":\"2m\"},{\"weight\":50},{\"bake\":\"2m\"}]");
        assertThat(Advice.read(advice.json().path("services").get(0))).isEqualTo(payments);
    }

    @Test
    void lowRiskIsFineWithBlueGreenAtAnyHour() {
        ReleaseSpec plain = spec(file(service("catalog", "8", "", "    strategy: auto\n")));
        History h = new History(List.of(release("c1", "2026-11-23T10:00", file(service("catalog", "7", "", "")), Outcome.PROMOTED)));
        // a plain change is low on a Tuesday morning and still low on a Sunday night: timing alone does not make it risky
        for (String at : List.of("2026-11-24T10:00", "2026-11-29T23:30")) {
            RiskAssessment a = assess(h, plain, berlin(at));
            assertThat(a.level()).as(at).isEqualTo(RiskLevel.LOW);
            Advice advice = Advice.of(a, plain, h, Set.of("catalog"));
            assertThat(advice.summary()).isEqualTo("low: blue-green is fine");
            assertThat(advice.approval()).isFalse();
            assertThat(advice.chosen().get("catalog").strategy()).isEqualTo(Strategy.BLUE_GREEN);
            assertThat(advice.chosen().get("catalog").why()).endsWith("; blue-green is fine");
        }
    }

    @Test
    void aServiceWhoseAnalysisCaughtARegressionGetsACanaryEvenAtLowRisk() {
        History h = new History(List.of(
                release("c1", "2026-11-20T10:00", file(service("catalog", "7", "", "")), Outcome.ROLLED_BACK, "catalog:ANALYSIS"),
                release("c2", "2026-11-23T10:00", file(service("catalog", "7", "", "")), Outcome.PROMOTED)));
        ReleaseSpec plain = spec(file(service("catalog", "8", "", "    strategy: auto\n"), service("search", "2", "", "    strategy: auto\n")));
        RiskAssessment a = assess(h, plain, berlin("2026-11-24T10:00"));
        assertThat(a.level()).isEqualTo(RiskLevel.LOW);
        Advice advice = Advice.of(a, plain, h, Set.of("catalog", "search"));
        assertThat(advice.summary()).isEqualTo("low: blue-green is fine");
        ChosenStrategy catalog = advice.chosen().get("catalog");
        assertThat(catalog.describe()).isEqualTo("canary 10% / 50% with 1m bakes");
        assertThat(catalog.why()).contains("its analysis caught 1 regression of catalog before, so a canary, which shows one to a tenth of the users first");
        assertThat(advice.chosen().get("search").strategy()).isEqualTo(Strategy.BLUE_GREEN);
    }

    @Test
    void mediumRiskGetsAQuickerCanaryWithoutAnApproval() {
        // three services and a migration: medium
        ReleaseSpec spec = spec("""
                databases:
                  - {name: pay, url: "jdbc:postgresql://db:5432/pay?user=pay", expand: db/expand}
                services:
                """ + service("payments", "2", "", "    database: pay\n") + service("ledger", "2", "", "") + service("audit", "2", "", ""));
        RiskAssessment a = assess(new History(List.of()), spec, berlin("2026-11-24T10:00"));
        assertThat(a.level()).isEqualTo(RiskLevel.MEDIUM);
        Advice advice = Advice.of(a, spec, new History(List.of()), Set.of("payments", "ledger", "audit"));
        assertThat(advice.summary()).isEqualTo("medium: canary 10% / 50% with 1m bakes");
        assertThat(advice.approval()).isFalse();
        assertThat(advice.chosen()).isEmpty(); // neither says auto: the advice is only shown
    }
}
