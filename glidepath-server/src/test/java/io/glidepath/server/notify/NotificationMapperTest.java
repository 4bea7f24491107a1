package io.glidepath.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.journal.ApprovalState;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.RollbackCause;
import io.glidepath.analysis.Verdict;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.StoredEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which journaled events become which notifications, with which fields: event sequences as the engine writes them. */
class NotificationMapperTest {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    final NotificationMapper mapper = new NotificationMapper();
    long seq;

    List<String> map(String release, ReleaseEvent... events) {
        return List.of(events).stream().map(e -> mapper.map(new StoredEvent(release, ++seq, e))).flatMap(Optional::stream)
                .map(n -> n.event().wireName() + " " + n.service() + " " + n.outcome() + " " + n.reason() + " | " + n.text()).toList();
    }

    static ReleaseEvent.Submitted submitted(String release, String... services) {
        return new ReleaseEvent.Submitted(T, null, "release " + release + " submitted by bob: " + String.join(", ", services), List.of(services),
                List.of(List.of(services)));
    }

    @Test
    void aCanaryThatFailsItsAnalysisFailsThenRollsBackServiceAndRelease() {
        String reason = "analysis failed 2 intervals in a row: canary error rate 100% > 1%";
        assertThat(map("r1",
                submitted("r1", "shop"),
                new ReleaseEvent.PhaseChanged(T, "shop", "starting 2 instances of shop v2", Phase.STARTING, "v2"),
                new ReleaseEvent.TrafficChanged(T, "shop", "new instances on the preview route for smoke tests", "v1", null, 0, 2),
                new ReleaseEvent.TrafficChanged(T, "shop", "canary v2 in the route at 0%", "v1", "v2", 0, 3),
                new ReleaseEvent.TrafficChanged(T, "shop", "canary v2 at 50%", "v1", "v2", 5000, 4),
                new ReleaseEvent.VerdictGiven(T, "shop", "fail", Verdict.Outcome.FAIL, 100, 0, 50, 1.0, 10.0, 10.0),
                new ReleaseEvent.RollbackDecided(T, "shop", "rolling back shop v2: " + reason, reason, RollbackCause.ANALYSIS),
                new ReleaseEvent.PhaseChanged(T, "shop", "rolling back: " + reason, Phase.ROLLING_BACK, "v2"),
                new ReleaseEvent.TrafficRestored(T, "shop", "all traffic back on v1 3 ms after the decision", 3),
                new ReleaseEvent.TrafficChanged(T, "shop", "route: stable v1", "v1", null, 0, 5),
                new ReleaseEvent.InstancesStopped(T, "shop", "stopped the new instances of v2", "v2", List.of("i1")),
                new ReleaseEvent.PhaseChanged(T, "shop", "shop rolled back to v1: " + reason, Phase.ROLLED_BACK, "v2"),
                new ReleaseEvent.Finished(T, null, "release r1 rolled back: shop: " + reason, Outcome.ROLLED_BACK, "shop: " + reason, RollbackCause.ANALYSIS)))
                .containsExactly(
                        "started null null null | Release r1 submitted by bob: shop",
                        "started shop null null | Release r1, shop: deploying v2",
                        "step shop null null | Release r1, shop: canary v2 in the route at 0%",
                        "step shop null null | Release r1, shop: canary v2 at 50%",
                        "failed shop null " + reason + " | Release r1, shop: v2 failed: " + reason + "; rolling back",
                        "step shop null null | Release r1, shop: route: stable v1",
                        "rolledBack shop ROLLED_BACK " + reason + " | Release r1, shop: v2 rolled back: " + reason,
                        "rolledBack null ROLLED_BACK shop: " + reason + " | Release r1 rolled back: shop: " + reason);
    }

    @Test
    void anAbortIsARollbackNotAFailureAndAServiceFlippedBackTakesTheReleasesReason() {
        String why = "checkout: smoke test 'pay' failed";
        assertThat(map("r2",
                submitted("r2", "cart", "checkout"),
                new ReleaseEvent.TrafficChanged(T, "cart", "new instances on the preview route for smoke tests", "v6", null, 0, 1),
                new ReleaseEvent.TrafficChanged(T, "cart", "switched all traffic to v7 in one update; v6 stays warm", "v7", null, 0, 2),
                new ReleaseEvent.PhaseChanged(T, "cart", "cart v7 is stable", Phase.PROMOTED, "v7"),
                new ReleaseEvent.PhaseChanged(T, "checkout", "starting", Phase.STARTING, "v3"),
                new ReleaseEvent.RollbackDecided(T, "checkout", "rolling back checkout v3: smoke test 'pay' failed", "smoke test 'pay' failed", RollbackCause.SMOKE_TEST),
                new ReleaseEvent.RollbackDecided(T, null, "rolling the release back", why, RollbackCause.SMOKE_TEST),
                new ReleaseEvent.PhaseChanged(T, "cart", "flipping back to v6: " + why, Phase.ROLLING_BACK, "v7"),
                new ReleaseEvent.TrafficChanged(T, "cart", "all traffic back on v6", "v6", null, 0, 3),
                new ReleaseEvent.PhaseChanged(T, "cart", "cart rolled back to v6: " + why, Phase.ROLLED_BACK, "v7"),
                new ReleaseEvent.PhaseChanged(T, "checkout", "checkout rolled back", Phase.ROLLED_BACK, "v3")))
                .containsExactly(
                        "started null null null | Release r2 submitted by bob: cart, checkout",
                        "step cart null null | Release r2, cart: switched all traffic to v7 in one update; v6 stays warm",
                        "promoted cart PROMOTED null | Release r2, cart: v7 promoted to stable",
                        "started checkout null null | Release r2, checkout: deploying v3",
                        "failed checkout null smoke test 'pay' failed | Release r2, checkout: v3 failed: smoke test 'pay' failed; rolling back",
                        "step cart null null | Release r2, cart: all traffic back on v6",
                        "rolledBack cart ROLLED_BACK " + why + " | Release r2, cart: v7 rolled back: " + why,
                        "rolledBack checkout ROLLED_BACK smoke test 'pay' failed | Release r2, checkout: v3 rolled back: smoke test 'pay' failed");
        // aborted by someone, or rolled back because another service failed: rolled back, not failed
        assertThat(map("r3",
                submitted("r3", "shop"),
                new ReleaseEvent.PhaseChanged(T, "shop", "starting", Phase.STARTING, "v4"),
                new ReleaseEvent.TrafficChanged(T, "shop", "new instances on the preview route for smoke tests", "v3", null, 0, 7),
                new ReleaseEvent.RollbackDecided(T, "shop", "rolling back", "aborted by tester", RollbackCause.ABORTED),
                // users' split never changed: putting the route back is no step
                new ReleaseEvent.TrafficChanged(T, "shop", "route: stable v3", "v3", null, 0, 8),
                new ReleaseEvent.PhaseChanged(T, "shop", "rolled back", Phase.ROLLED_BACK, "v4")))
                .containsExactly(
                        "started null null null | Release r3 submitted by bob: shop",
                        "started shop null null | Release r3, shop: deploying v4",
                        "rolledBack shop ROLLED_BACK aborted by tester | Release r3, shop: v4 rolled back: aborted by tester");
        assertThat(map("r4", new ReleaseEvent.RollbackDecided(T, "web", "rolling back", "release rolling back: " + why, RollbackCause.RELEASE))).isEmpty();
    }

    @Test
    void anUnchangedReleaseEndsAsPromotedSayingSoAndACancelledOrQueuedOneIsNotAnnounced() {
        assertThat(map("r5",
                submitted("r5", "shop"),
                new ReleaseEvent.PhaseChanged(T, "shop", "shop v2 already runs (2 instances): nothing to do", Phase.UNCHANGED, "v2"),
                new ReleaseEvent.Finished(T, null, "release r5: every service already ran its version; nothing changed", Outcome.UNCHANGED, null, null)))
                .containsExactly(
                        "started null null null | Release r5 submitted by bob: shop",
                        "promoted null UNCHANGED null | Release r5: every service already ran its version; nothing changed");
        assertThat(map("r6",
                new ReleaseEvent.Queued(T, null, "release r6 queued behind release r5", "r5"),
                new ReleaseEvent.Finished(T, null, "release r6 cancelled: aborted", Outcome.CANCELLED, "aborted", null))).isEmpty();
        assertThat(map("r7", submitted("r7", "shop"), new ReleaseEvent.Finished(T, null, "release r7 failed: no platform", Outcome.FAILED, "no platform", RollbackCause.SERVER_RESTARTED)))
                .containsExactly("started null null null | Release r7 submitted by bob: shop", "failed null FAILED no platform | Release r7 failed: no platform");
    }

    @Test
    void aReleaseWaitingForApprovalIsAnnouncedAndSoIsItsApprovalOrItsTimeout() {
        Instant deadline = T.plusSeconds(3600);
        assertThat(map("r8",
                new ReleaseEvent.ApprovalChanged(T, null, "release r8 waits for approval (policy two-people): someone other than alice with the "
                        + "deployer role runs glidepath approve r8; it gives up at " + deadline, ApprovalState.WAITING, null, null, deadline),
                new ReleaseEvent.Note(T, null, "still waiting for approval (policy two-people) until " + deadline),
                new ReleaseEvent.ApprovalChanged(T, null, "approved by bob: checked the diff", ApprovalState.APPROVED, "bob", "checked the diff", deadline),
                submitted("r8", "shop")))
                .containsExactly(
                        "awaitingApproval null null null | Release r8 waits for approval (policy two-people): someone other than alice with the deployer "
                                + "role runs glidepath approve r8; it gives up at " + deadline,
                        "approval null APPROVED checked the diff | Release r8: approved by bob: checked the diff",
                        "started null null null | Release r8 submitted by bob: shop");
        assertThat(map("r9",
                new ReleaseEvent.ApprovalChanged(T, null, "approval timed out: no one approved it within 1h (policy two-people); nothing was deployed",
                        ApprovalState.TIMED_OUT, null, null, deadline),
                new ReleaseEvent.Finished(T, null, "release r9 cancelled: no one approved it", Outcome.CANCELLED, "no one approved it", RollbackCause.POLICY)))
                .containsExactly("approval null TIMED_OUT approval timed out: no one approved it within 1h (policy two-people); nothing was deployed "
                        + "| Release r9: approval timed out: no one approved it within 1h (policy two-people); nothing was deployed");
    }

    @Test
    void theTextIsEscapedForSlackWhileTheReasonStaysAsItIs() throws Exception {
        String reason = "p99 latency 900 ms > 300 ms & error rate 3% > 1% <canary>";
        mapper.map(new StoredEvent("r8", 1, submitted("r8", "shop")));
        Notification n = mapper.map(new StoredEvent("r8", 2, new ReleaseEvent.Finished(T, null, "release r8 rolled back: " + reason,
                Outcome.ROLLED_BACK, reason, RollbackCause.ANALYSIS))).orElseThrow();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(new String(n.body(UUID.randomUUID()), StandardCharsets.UTF_8));
        assertThat(json.path("text").asText()).isEqualTo("Release r8 rolled back: p99 latency 900 ms &gt; 300 ms &amp; error rate 3% &gt; 1% &lt;canary&gt;");
        assertThat(json.path("reason").asText()).isEqualTo(reason);
        assertThat(json.path("outcome").asText()).isEqualTo("ROLLED_BACK");
        assertThat(json.has("traffic")).isFalse();
    }

    @org.junit.jupiter.api.Test
    void aServiceTheSequentialJudgeFailedIsAnnouncedWithItsCauseAndItsEvidence() throws Exception {
        String reason = "analysis failed 1 interval in a row: errors vs stable 2.10x";
        mapper.map(new StoredEvent("r9", 1, submitted("r9", "shop")));
        mapper.map(new StoredEvent("r9", 2, new ReleaseEvent.PhaseChanged(T, "shop", "starting", Phase.STARTING, "v2")));
        mapper.map(new StoredEvent("r9", 3, new ReleaseEvent.VerdictGiven(T, "shop", "fail", Verdict.Outcome.FAIL, 250, 0.01, 250, 0.021, null, null,
                131.4, 100.0, java.util.List.of(), null)));
        Notification n = mapper.map(new StoredEvent("r9", 4, new ReleaseEvent.RollbackDecided(T, "shop", "rolling back", reason,
                RollbackCause.ANALYSIS))).orElseThrow();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(new String(n.body(UUID.randomUUID()), StandardCharsets.UTF_8));
        assertThat(json.path("event").asText()).isEqualTo("failed");
        assertThat(json.path("cause").asText()).isEqualTo("ANALYSIS");
        assertThat(json.path("evidence").path("value").asDouble()).isEqualTo(131.4);
        assertThat(json.path("evidence").path("needed").asDouble()).isEqualTo(100.0);
        // a release's end carries its cause too
        Notification end = mapper.map(new StoredEvent("r9", 5, new ReleaseEvent.Finished(T, null, "release r9 rolled back: shop: " + reason,
                Outcome.ROLLED_BACK, "shop: " + reason, RollbackCause.ANALYSIS))).orElseThrow();
        assertThat(end.cause()).isEqualTo("ANALYSIS");
    }
}
