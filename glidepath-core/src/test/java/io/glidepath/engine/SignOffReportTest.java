package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.Verdict;
import io.glidepath.journal.ApprovalState;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.RollbackCause;
import io.glidepath.policy.PolicyTerms;
import io.glidepath.report.SignOffReport;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.store.ReleaseRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The sign-off report of releases the engine really ran (in-memory seams, a manual clock): a canary
 * promoted, one rolled back by its analysis (the failing verdict's figures and the cause), one approved by
 * someone else in a deploy window an admin overrode, a fleet with a failed customer, a manual pause promoted
 * and an abort.
 */
class SignOffReportTest extends EngineFixture {

    SignOffReport report(ReleaseRecord r) {
        return SignOffReport.of(store.release(r.id()).orElseThrow(), store.events(r.id(), 0));
    }

    ReleaseRecord deploy(String version, String extra) throws Exception {
        ReleaseRecord r = engine.submit(EngineTest.release(version, extra), "r.yaml", EngineTest.source(version, extra), Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        return store.release(r.id()).orElseThrow();
    }

    @Test
    void aPromotedCanaryReportsItsProofsEveryVerdictAndItsTiming() throws Exception {
        deploy("1.0.0", "");
        ReleaseRecord r = deploy("2.0.0", "    steps: [{weight: 5}, {bake: 3s}, {weight: 50}, {bake: 3s}]\n");
        SignOffReport report = report(r);

        assertThat(report.release().state()).isEqualTo("PROMOTED");
        assertThat(report.release().inProgress()).isFalse();
        assertThat(report.services()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("catalog");
            assertThat(s.version()).isEqualTo("2.0.0");
            assertThat(s.strategy()).isEqualTo("canary");
            assertThat(s.phase()).isEqualTo(Phase.DONE);
            assertThat(s.stepsDone()).isEqualTo(4);
            assertThat(s.steps()).isEqualTo(4);
            assertThat(s.instances()).isEqualTo(2);
        });
        assertThat(report.verified().readiness()).singleElement().satisfies(x -> assertThat(x.ready()).isEqualTo(2));
        // each smoke test on each new instance, then through the router's preview
        assertThat(report.verified().smoke()).hasSize(3).allSatisfy(c -> assertThat(c.passed()).isTrue())
                .last().satisfies(c -> assertThat(c.target()).isEqualTo("the router (preview)"));
        assertThat(report.verified().verdicts()).isNotEmpty().allSatisfy(v -> {
            assertThat(v.outcome()).isEqualTo(Verdict.Outcome.PASS);
            assertThat(v.canaryRequests()).isEqualTo(200);
            assertThat(v.canaryP99Millis()).isEqualTo(15.0);
        });
        assertThat(report.verified().verdicts()).extracting(SignOffReport.VerdictLine::canaryWeight).contains(500, 5000);
        assertThat(report.verified().verdicts()).anySatisfy(v -> assertThat(v.afterPromotion()).isTrue());
        assertThat(report.outcome().rollback()).isNull();
        assertThat(report.policy()).isNull();
        assertThat(report.people()).singleElement().satisfies(a -> assertThat(a.who()).isEqualTo("alice"));
        assertThat(report.timing().services()).singleElement().satisfies(t -> assertThat(t.phases()).extracting(SignOffReport.PhaseAt::phase)
                .containsExactly(Phase.STARTING, Phase.READY, Phase.SMOKE_TESTED, Phase.SHIFTING, Phase.PROMOTED, Phase.DONE));
        assertThat(report.timing().seconds()).isPositive();
        assertThat(report.markdown()).contains("- **Outcome:** promoted\n", "| 1 | catalog | 2.0.0 | canary | 2 | 4 of 4 | promoted |",
                "| PASS | canary 50% | canary 0.00% errors over 200 requests, p99 15 ms; stable 0.00% over 200, p99 15 ms |")
                .doesNotContain("## Rollback");
    }

    @Test
    void aCanaryRolledBackByItsAnalysisReportsTheFailingVerdictsFiguresAndTheCause() throws Exception {
        deploy("1.0.0", "");
        metrics.figures = (t, canary) -> canary && router.last().canaryWeight() >= 2500 ? new TrackFigures(200, 60, Map.of(99.0, 15.0))
                : new TrackFigures(200, 0, Map.of(99.0, 15.0));
        ReleaseRecord r = deploy("2.0.0", "    steps: [{weight: 5}, {bake: 5s}, {weight: 25}, {bake: 30s}]\n");
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        SignOffReport report = report(r);

        List<SignOffReport.VerdictLine> failing = report.verified().verdicts().stream().filter(v -> v.outcome() == Verdict.Outcome.FAIL).toList();
        assertThat(failing).hasSize(2).allSatisfy(v -> {
            assertThat(v.canaryWeight()).isEqualTo(2500);
            assertThat(v.canaryRequests()).isEqualTo(200);
            assertThat(v.canaryErrorRate()).isEqualTo(0.3);
            assertThat(v.stableErrorRate()).isZero();
            assertThat(v.message()).contains("canary error rate 30% (60 of 200) is above the 1% allowed");
        });
        SignOffReport.Rollback rb = report.outcome().rollback();
        assertThat(rb.cause()).isEqualTo(RollbackCause.ANALYSIS);
        assertThat(rb.service()).isEqualTo("catalog");
        assertThat(rb.reason()).contains("analysis failed 2 intervals in a row");
        assertThat(rb.decided()).isAfter(failing.get(1).at().minusMillis(1));
        assertThat(rb.trafficBackMillis()).isNotNull().isGreaterThanOrEqualTo(0);
        assertThat(rb.flips()).singleElement().satisfies(f -> {
            assertThat(f.service()).isEqualTo("catalog");
            assertThat(f.message()).startsWith("all traffic back on 1.0.0");
        });
        assertThat(report.outcome().cause()).isEqualTo(RollbackCause.ANALYSIS);
        assertThat(report.services().get(0).phase()).isEqualTo(Phase.ROLLED_BACK);
        assertThat(report.markdown()).contains("- **Outcome:** rolled back (cause: analysis)", "## Rollback", "- **Cause:** analysis\n",
                "- **Began with:** catalog\n", "- **Traffic back on the previous versions:** " + rb.trafficBackMillis() + " ms after the decision",
                "| FAIL | canary 25% | canary 30.00% errors over 200 requests, p99 15 ms; stable 0.00% over 200, p99 15 ms |");
    }

    @Test
    void anApprovalBySomeoneElseAndADeployWindowOverriddenByAnAdminAreInThePolicyAndWhoDidWhat() throws Exception {
        deploy("1.0.0", "");
        clock.autoAdvance(false);
        String override = "root (token root, closed window 'freeze' until 2026-11-27T12:00:00Z): incident 42, the fix must go out";
        ReleaseRecord r = engine.submit(EngineTest.release("2.0.0", ""), "r.yaml", EngineTest.source("2.0.0", ""), Map.of(), Path.of("."), "alice",
                false, new PolicyTerms(List.of("two-people"), Duration.ofHours(4), List.of(), Optional.of(override)));
        await().atMost(Duration.ofSeconds(10)).until(() -> engine.awaitingApproval(r.id()).isPresent());

        SignOffReport waiting = report(r);
        assertThat(waiting.release().inProgress()).isTrue();
        assertThat(waiting.release().state()).isEqualTo("AWAITING_APPROVAL");
        assertThat(waiting.markdown()).contains("> **In progress** (awaiting approval)");

        clock.advance(Duration.ofMinutes(7));
        assertThat(engine.approve(r.id(), "bob", "checked the diff")).isEqualTo(Engine.Approval.APPROVED);
        clock.autoAdvance(true);
        engine.awaitAll(Duration.ofSeconds(20));
        SignOffReport report = report(r);

        assertThat(report.release().state()).isEqualTo("PROMOTED");
        assertThat(report.policy().windowOverride()).isEqualTo(override);
        assertThat(report.policy().approvalRules()).containsExactly("two-people");
        assertThat(report.policy().approval().state()).isEqualTo(ApprovalState.APPROVED);
        assertThat(report.policy().approval().by()).isEqualTo("bob");
        assertThat(report.policy().approval().reason()).isEqualTo("checked the diff");
        assertThat(report.policy().approval().waitedSeconds()).isGreaterThanOrEqualTo(7 * 60.0);
        assertThat(report.people()).extracting(SignOffReport.Act::who, SignOffReport.Act::what).containsExactly(
                org.assertj.core.groups.Tuple.tuple("alice", "submitted the release from r.yaml"),
                org.assertj.core.groups.Tuple.tuple("root", "overrode the closed deploy window (token root, closed window 'freeze' until "
                        + "2026-11-27T12:00:00Z): incident 42, the fix must go out"),
                org.assertj.core.groups.Tuple.tuple("bob", "approved the release: checked the diff"));
        assertThat(report.markdown()).contains(
                "- **Deploy window:** overridden by root (token root, closed window 'freeze' until 2026-11-27T12:00:00Z): incident 42, the fix must go out",
                "- **Approval:** approved by bob (checked the diff) after 7m",
                "| bob | approved the release: checked the diff |");
    }

    @Test
    void aFleetReportsEachCustomersOutcomeAndTheFailedOnesReason() throws Exception {
        String rings = FleetReleaseTest.RINGS + "failureBudget: {max: 1}\n";
        engine.submit(ReleaseReader.read("fleet.yaml", FleetReleaseTest.fleet("1", rings)), "fleet.yaml", FleetReleaseTest.fleet("1", rings),
                Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(30));
        prober.smoke = (address, check) -> platform.registry.instances().stream().filter(i -> i.address().equals(address))
                .noneMatch(i -> i.version().equals("2") && i.service().equals("web.c3"));
        String v2 = FleetReleaseTest.fleet("2", rings);
        ReleaseRecord r = engine.submit(ReleaseReader.read("fleet.yaml", v2), "fleet.yaml", v2, Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(30));
        SignOffReport report = report(r);

        assertThat(report.release().state()).isEqualTo("PROMOTED");
        assertThat(report.outcome().rollback()).as("a customer rolled back within the budget: not the release").isNull();
        assertThat(report.fleets()).singleElement().satisfies(f -> {
            assertThat(f.service()).isEqualTo("web");
            assertThat(f.done()).isEqualTo(5);
            assertThat(f.failed()).isEqualTo(1);
            assertThat(f.allowed()).isEqualTo(1);
            assertThat(f.exceeded()).isFalse();
            assertThat(f.customers()).extracting(SignOffReport.Customer::customer).containsExactly("c1", "c2", "c3", "c4", "c5", "c6");
            assertThat(f.customers()).filteredOn(c -> c.customer().equals("c3")).singleElement().satisfies(c -> {
                assertThat(c.ring()).isEqualTo("early");
                assertThat(c.phase()).isEqualTo(Phase.ROLLED_BACK);
                assertThat(c.cause()).isEqualTo(RollbackCause.SMOKE_TEST);
                assertThat(c.reason()).startsWith("smoke test 'home' failed");
            });
            assertThat(f.customers()).filteredOn(c -> !c.customer().equals("c3")).allSatisfy(c -> assertThat(c.phase()).isEqualTo(Phase.DONE));
        });
        assertThat(report.timing().waves()).extracting(SignOffReport.WaveTime::ring).containsExactly("internal", "early", "rest");
        String md = report.markdown();
        assertThat(md).contains("| 1-3 | web (fleet of 6 customers) | 2 | blueGreen | 6 |   | 5 promoted, 1 rolled back |",
                "## Fleet web", "- **Customers:** 6: 5 promoted, 1 failed, 0 not started",
                "- **Failure budget:** 1 customer, then roll back every customer: 1 of 1 allowed failed\n",
                "| c3 | early | failed, rolled back | smoke test | smoke test 'home' failed", "| c4 | early | promoted |   |   |");
    }

    @Test
    void aManualPausePromotedAndAnAbortSayWhoWhereTheJournalDoes() throws Exception {
        deploy("1.0.0", "");
        clock.autoAdvance(false);
        ReleaseRecord r = engine.submit(EngineTest.release("2.0.0", "    steps: [{weight: 10}, {pause: manual}, {weight: 50}, {pause: manual}]\n"),
                "r.yaml", EngineTest.source("2.0.0", "    steps: [{weight: 10}, {pause: manual}, {weight: 50}, {pause: manual}]\n"), Path.of("."), "alice");
        clock.autoAdvance(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> store.events(r.id(), 0).stream().anyMatch(e -> e.event().message().contains("paused at 10%")));
        assertThat(engine.promote(r.id(), "bob")).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.events(r.id(), 0).stream().anyMatch(e -> e.event().message().contains("paused at 50%")));
        assertThat(engine.abort(r.id(), "carol")).isTrue();
        engine.awaitAll(Duration.ofSeconds(20));
        SignOffReport report = report(r);

        assertThat(report.people()).extracting(SignOffReport.Act::who).containsExactly("alice", "bob", "carol");
        assertThat(report.people().get(1).what()).startsWith("let catalog go on from its manual pause (glidepath promote): step 2 of 4 done");
        assertThat(report.people().get(2).what()).isEqualTo("aborted the release (glidepath abort)");
        assertThat(report.outcome().rollback().cause()).isEqualTo(RollbackCause.ABORTED);
        assertThat(report.outcome().rollback().service()).as("no service failed: someone aborted").isNull();
        assertThat(report.markdown()).contains("| bob | let catalog go on from its manual pause",
                "| carol | aborted the release (glidepath abort) |", "- **Cause:** aborted\n");
        assertThat(Set.of(report.release().state())).containsExactly("ROLLED_BACK");
    }
}
