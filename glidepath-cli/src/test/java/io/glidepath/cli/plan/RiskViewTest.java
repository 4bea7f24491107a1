package io.glidepath.cli.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.risk.History;
import io.glidepath.risk.ReleaseFacts;
import io.glidepath.risk.RiskModel;
import io.glidepath.risk.RiskScorer;
import io.glidepath.spec.ReleasePlan;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What plan and deploy print of the risk the server scored, from the JSON it answers; and a plan with strategy: auto. */
class RiskViewTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final Instant NOW = Instant.parse("2026-11-27T20:40:00Z"); // a Friday, 21:40 in Berlin

    static String release(String version, String extra) {
        return """
                services:
                  - name: payments
                    version: "%s"
                    run: {command: [java, -jar, build/payments-%s.jar], env: {MODE: fast}}
                    route: {pathPrefix: /pay}
                %s""".formatted(version, version, extra);
    }

    /** payments: promoted, then its analysis rolled back three of its next four releases. */
    static History history() throws Exception {
        List<ReleaseFacts> out = new ArrayList<>();
        boolean[] failed = {false, true, true, false, true};
        for (int i = 0; i < failed.length; i++) {
            String id = "p" + (i + 1);
            Instant at = NOW.minus(Duration.ofDays(10 - i));
            Outcome o = failed[i] ? Outcome.ROLLED_BACK : Outcome.PROMOTED;
            ReleaseRecord r = new ReleaseRecord(id, "pay.yaml", release("1." + i, ""), "/srv", List.of("payments"), "alice", at, Optional.of(o),
                    Optional.empty(), Optional.of(at.plusSeconds(300)));
            List<StoredEvent> journal = new ArrayList<>();
            if (failed[i]) {
                journal.add(new StoredEvent(id, 1, new ReleaseEvent.RollbackDecided(at.plusSeconds(100), "payments", "rolling back", "analysis failed",
                        RollbackCause.ANALYSIS)));
            }
            journal.add(new StoredEvent(id, journal.size() + 1, new ReleaseEvent.Finished(at.plusSeconds(300), null, "ended", o, null,
                    failed[i] ? RollbackCause.ANALYSIS : null)));
            out.add(ReleaseFacts.read(r, journal));
        }
        return new History(out);
    }

    @Test
    void theScoreItsLargestFactorsTheAdviceAndWhatAutoBecomes() throws Exception {
        ReleaseSpec spec = ReleaseReader.read("pay.yaml", release("1.9", "    strategy: auto\n").replace("MODE: fast", "MODE: safe"));
        var scored = RiskScorer.score(history(), RiskModel.prior(), spec, NOW, BERLIN, Set.of("payments"));
        assertThat(RiskView.lines(scored.json())).containsExactly(
                "risk: high (41% chance of a rollback; the prior alone: no past release to learn from)",
                "  +1.5  3 rollbacks of payments in its last 5 releases (3 analysis)",
                "  +0.3  payments last released 6 days ago",
                "  +0.3  outside working hours (21:40 Europe/Berlin)",
                "advice: high: canary 5% / 25% / 50% with 2m bakes, and an approval",
                "  payments: strategy auto becomes canary 5% / 25% / 50% with 2m bakes");
        assertThat(RiskView.chosen(scored.json())).isEqualTo(scored.advice().chosen());

        // the plan shows the service as auto would run it now, with its waits
        PlanView view = new PlanView("pay.yaml", ReleasePlan.of(spec.withChosenStrategies(RiskView.chosen(scored.json()))), Optional.empty(),
                "Glidepath is not running", Optional.empty(), Set.of("payments"));
        assertThat(view.text()).contains("  payments  1.9  auto: canary 5% > bake 2m > 25% > bake 2m > 50% > bake 2m  waits 390s\n");
        assertThat(view.json().at("/waves/0/services/0/strategy").asText()).isEqualTo("canary");
        assertThat(view.json().at("/waves/0/services/0/auto").asBoolean()).isTrue();
    }

    @Test
    void aServiceWhoseOwnHistoryAsksForMoreThanTheReleaseIsNamed() throws Exception {
        // at a quiet hour, with nothing else changing: low for the release, a canary for payments
        ReleaseSpec spec = ReleaseReader.read("pay.yaml", release("1.9", ""));
        History quiet = new History(history().releases().subList(0, 2)); // promoted, then rolled back by its analysis
        var scored = RiskScorer.score(quiet, RiskModel.prior(), spec, Instant.parse("2026-11-24T09:00:00Z"), BERLIN, Set.of("payments"));
        List<String> lines = RiskView.lines(scored.json());
        assertThat(lines.get(0)).startsWith("risk: low (");
        assertThat(lines).contains("advice: low: blue-green is fine",
                "  payments: canary 10% / 50% with 1m bakes advised (its analysis caught 1 regression of payments before, so a canary, which shows one "
                        + "to a tenth of the users first)");
    }

    @Test
    void aFleetsCustomersShareOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("customers.yaml"), io.glidepath.cli.FleetFiles.CUSTOMERS);
        String text = io.glidepath.cli.FleetFiles.RELEASE.replace("    steps: [{weight: 20}, {bake: 4s}]\n", "    strategy: auto\n");
        ReleaseSpec spec = ReleaseReader.read(dir.resolve("release.yaml").toString(), text, io.glidepath.spec.Includes.folder(dir));
        var scored = RiskScorer.score(new History(List.of()), RiskModel.prior(), spec, Instant.parse("2026-11-24T09:00:00Z"), BERLIN, Set.of());
        assertThat(RiskView.lines(scored.json())).contains("  web (5 customers): strategy auto becomes blue-green");
        assertThat(RiskView.chosen(scored.json())).containsOnlyKeys("web.c01", "web.c02", "web.c03", "web.c04", "web.c05");
    }

    @Test
    void withoutAServerTheRiskIsUnknownAndAutoStaysAuto() throws Exception {
        assertThat(RiskView.unknown("Glidepath is not running in .glidepath (start it with: glidepath up)"))
                .isEqualTo("risk: unknown (Glidepath is not running in .glidepath (start it with: glidepath up); the score is read from the server's "
                        + "release history)");
        ReleaseSpec spec = ReleaseReader.read("pay.yaml", release("1.9", "    strategy: auto\n"));
        PlanView view = new PlanView("pay.yaml", ReleasePlan.of(spec), Optional.empty(), "Glidepath is not running", Optional.empty(), Set.of());
        assertThat(view.text()).contains("  payments  1.9  auto (the server chooses at submission)  waits 30s\n");
        assertThat(view.json().at("/waves/0/services/0/strategy").asText()).isEqualTo("auto");
        assertThat(RiskView.lines(io.glidepath.journal.EventJson.MAPPER.missingNode())).isEmpty();
    }
}
