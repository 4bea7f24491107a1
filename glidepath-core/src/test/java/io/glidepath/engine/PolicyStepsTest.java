package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.engine.recovery.Recovery;
import io.glidepath.journal.ApprovalState;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.policy.EvidenceCheck;
import io.glidepath.policy.Policy;
import io.glidepath.policy.PolicyReader;
import io.glidepath.policy.PolicyTerms;
import io.glidepath.store.ReleaseRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy's steps in the engine, before anything of a release starts: evidence checks (a failing one
 * cancels it), the wait for someone else's approval (the submitter's own refused, a timeout, an abort),
 * and a server stopped and started again while a release waits: it waits again, with the same deadline.
 */
class PolicyStepsTest extends EngineFixture {
    @TempDir
    Path dir;

    static PolicyTerms approval(Duration timeout) {
        return new PolicyTerms(List.of("two-people"), timeout, List.of(), Optional.empty());
    }

    ReleaseRecord submit(PolicyTerms terms) throws Exception {
        return engine.submit(EngineTest.release("2.0.0", ""), "r.yaml", EngineTest.source("2.0.0", ""), Map.of(), dir, "alice", false, terms);
    }

    List<ReleaseEvent> journal(String id) {
        return store.events(id, 0).stream().map(StoredEvent::event).toList();
    }

    void awaitWaiting(Engine e, String id) {
        await().atMost(Duration.ofSeconds(10)).until(() -> e.awaitingApproval(id).isPresent());
    }

    @Test
    void aReleaseWaitsStartingNothingUntilSomeoneElseApprovesIt() throws Exception {
        clock.autoAdvance(false);
        ReleaseRecord r = submit(approval(Duration.ofHours(4)));
        awaitWaiting(engine, r.id());
        assertThat(engine.awaitingApproval(r.id())).contains(r.submitted().plus(Duration.ofHours(4)));
        assertThat(platform.registry.instances()).as("nothing starts before the approval").isEmpty();
        assertThat(journal(r.id())).filteredOn(e -> e instanceof ReleaseEvent.ApprovalChanged).singleElement().satisfies(e ->
                assertThat(e.message()).contains("waits for approval (policy two-people): someone other than alice"));

        assertThat(engine.approve(r.id(), "alice", null)).isEqualTo(Engine.Approval.OWN_RELEASE);
        assertThat(engine.awaitingApproval(r.id())).as("a refused self-approval changes nothing").isPresent();
        assertThat(engine.approve(r.id(), "bob", "reviewed the diff")).isEqualTo(Engine.Approval.APPROVED);
        assertThat(engine.approve(r.id(), "carol", null)).isEqualTo(Engine.Approval.NOT_WAITING);
        clock.autoAdvance(true);
        engine.awaitAll(Duration.ofSeconds(20));

        assertThat(store.release(r.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
        List<ReleaseEvent> j = journal(r.id());
        assertThat(j).filteredOn(e -> e instanceof ReleaseEvent.ApprovalChanged a && a.state() == ApprovalState.APPROVED).singleElement()
                .satisfies(e -> {
                    ReleaseEvent.ApprovalChanged a = (ReleaseEvent.ApprovalChanged) e;
                    assertThat(a.by()).isEqualTo("bob");
                    assertThat(a.reason()).isEqualTo("reviewed the diff");
                });
        int approved = indexOf(j, e -> e instanceof ReleaseEvent.ApprovalChanged a && a.state() == ApprovalState.APPROVED);
        int firstPhase = indexOf(j, e -> e instanceof ReleaseEvent.PhaseChanged);
        assertThat(approved).isLessThan(firstPhase);
    }

    @Test
    void noApprovalInTimeCancelsItWithTheReason() throws Exception {
        ReleaseRecord r = submit(approval(Duration.ofMinutes(30))); // the clock moves itself: the deadline comes at once
        engine.awaitAll(Duration.ofSeconds(20));
        ReleaseRecord done = store.release(r.id()).orElseThrow();
        assertThat(done.outcome()).contains(Outcome.CANCELLED);
        assertThat(done.reason()).hasValue("no one approved it within 30m (policy two-people); nothing was deployed");
        assertThat(journal(r.id()).getLast()).isInstanceOfSatisfying(ReleaseEvent.Finished.class, f -> assertThat(f.cause()).isEqualTo(RollbackCause.POLICY));
        assertThat(journal(r.id())).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(ReleaseEvent.ApprovalChanged.class,
                a -> assertThat(a.state()).isEqualTo(ApprovalState.TIMED_OUT)));
        assertThat(platform.registry.instances()).isEmpty();
        assertThat(store.holder("catalog")).as("its services are free again").isEmpty();
    }

    /** Closed from Friday 12:00 UTC to Monday 08:00; the fixture's clock starts on Friday 2026-11-27 at 10:00 UTC, open. */
    void weekendFreezeFromNoon() throws Exception {
        Policy policy = PolicyReader.read("policy.yaml", """
                windows:
                  - {name: weekend, from: Friday 12:00, to: Monday 08:00, zone: UTC}
                """);
        engine.windows((spec, now) -> policy.closedFor(spec, now));
    }

    @Test
    void anApprovalThatComesAfterTheWindowClosedCancelsTheReleaseNothingDeployed() throws Exception {
        weekendFreezeFromNoon();
        clock.autoAdvance(false);
        ReleaseRecord r = submit(approval(Duration.ofHours(8)));
        awaitWaiting(engine, r.id());
        clock.advance(Duration.ofHours(3)); // Friday 13:00: the freeze began while it waited
        assertThat(engine.approve(r.id(), "bob", "looks fine")).isEqualTo(Engine.Approval.APPROVED);
        clock.autoAdvance(true);
        engine.awaitAll(Duration.ofSeconds(20));
        ReleaseRecord done = store.release(r.id()).orElseThrow();
        assertThat(done.outcome()).contains(Outcome.CANCELLED);
        assertThat(done.reason()).hasValueSatisfying(x -> assertThat(x).startsWith("it waited for approval until a deploy window closed: "
                + "deploy window 'weekend' (no releases Friday 12:00 to Monday 08:00 UTC) is closed until Monday 2026-11-30 08:00 UTC")
                .contains("nothing was deployed").endsWith("glidepath deploy --override-window --reason \"...\""));
        assertThat(journal(r.id()).getLast()).isInstanceOfSatisfying(ReleaseEvent.Finished.class, f -> assertThat(f.cause()).isEqualTo(RollbackCause.POLICY));
        assertThat(platform.registry.instances()).isEmpty();
    }

    @Test
    void anAdminsOverrideAtSubmissionHoldsForTheWholeWait() throws Exception {
        weekendFreezeFromNoon();
        clock.autoAdvance(false);
        ReleaseRecord r = submit(new PolicyTerms(List.of("two-people"), Duration.ofHours(8), List.of(), Optional.of("root (token admin): hotfix")));
        awaitWaiting(engine, r.id());
        clock.advance(Duration.ofHours(3));
        assertThat(engine.approve(r.id(), "bob", null)).isEqualTo(Engine.Approval.APPROVED);
        clock.autoAdvance(true);
        engine.awaitAll(Duration.ofSeconds(20));
        assertThat(store.release(r.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
    }

    @Test
    void aReleaseThatLeavesTheQueueAfterTheWindowClosedIsCancelledAndOneThatLeavesItOpenGoesOn() throws Exception {
        weekendFreezeFromNoon();
        clock.autoAdvance(false);
        ReleaseRecord first = submit(approval(Duration.ofHours(8)));
        awaitWaiting(engine, first.id());
        // queued behind the first (the same services); no policy terms of its own: the windows alone
        ReleaseRecord queued = engine.submit(EngineTest.release("3.0.0", ""), "r3.yaml", EngineTest.source("3.0.0", ""), Map.of(), dir, "alice", true,
                PolicyTerms.none());
        clock.advance(Duration.ofHours(3));
        assertThat(engine.abort(first.id(), "carol")).isTrue();
        clock.autoAdvance(true);
        engine.awaitAll(Duration.ofSeconds(20));
        ReleaseRecord done = store.release(queued.id()).orElseThrow();
        assertThat(done.outcome()).contains(Outcome.CANCELLED);
        assertThat(done.reason()).hasValueSatisfying(x -> assertThat(x).startsWith("it waited in the queue until a deploy window closed: deploy window 'weekend'"));
        assertThat(platform.registry.instances()).isEmpty();

        // on Monday at 09:00 the window is open: a release queued and let go then goes on
        clock.autoAdvance(false);
        clock.advance(Duration.ofDays(3));
        ReleaseRecord monday = submit(approval(Duration.ofHours(8)));
        awaitWaiting(engine, monday.id());
        ReleaseRecord next = engine.submit(EngineTest.release("3.0.0", ""), "r3.yaml", EngineTest.source("3.0.0", ""), Map.of(), dir, "alice", true,
                PolicyTerms.none());
        assertThat(engine.abort(monday.id(), "carol")).isTrue();
        clock.autoAdvance(true);
        engine.awaitAll(Duration.ofSeconds(20));
        assertThat(store.release(next.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
    }

    @Test
    void anAbortWhileItWaitsCancelsIt() throws Exception {
        clock.autoAdvance(false);
        ReleaseRecord r = submit(approval(Duration.ofHours(1)));
        awaitWaiting(engine, r.id());
        assertThat(engine.abort(r.id(), "carol")).isTrue();
        engine.awaitAll(Duration.ofSeconds(20));
        ReleaseRecord done = store.release(r.id()).orElseThrow();
        assertThat(done.outcome()).contains(Outcome.CANCELLED);
        assertThat(done.reason()).hasValue("aborted by carol while it waited for approval; nothing was deployed");
        assertThat(platform.registry.instances()).isEmpty();
    }

    @Test
    void failingEvidenceCancelsTheReleaseBeforeAnythingStartsAndEachResultIsJournaled() throws Exception {
        Files.writeString(dir.resolve("ok.sh"), "exit 0\n");
        EvidenceCheck passes = new EvidenceCheck("lint", "command", null, null, null, null, null, List.of("sh", "ok.sh"), 10_000);
        EvidenceCheck fails = new EvidenceCheck("artifact", "checksum", "catalog", "catalog.jar", "0".repeat(64), null, null, null, 0);
        Files.writeString(dir.resolve("catalog.jar"), "not the jar that was checked");
        ReleaseRecord r = submit(new PolicyTerms(List.of(), Duration.ZERO, List.of(passes, fails), Optional.empty()));
        engine.awaitAll(Duration.ofSeconds(20));

        ReleaseRecord done = store.release(r.id()).orElseThrow();
        assertThat(done.outcome()).contains(Outcome.CANCELLED);
        assertThat(done.reason().orElseThrow()).startsWith("required evidence artifact for catalog failed: sha256 of " + dir.resolve("catalog.jar"))
                .endsWith("; nothing was deployed");
        assertThat(journal(r.id())).filteredOn(e -> e instanceof ReleaseEvent.EvidenceChecked).map(e -> (ReleaseEvent.EvidenceChecked) e)
                .extracting(ReleaseEvent.EvidenceChecked::check, ReleaseEvent.EvidenceChecked::passed)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("lint", true), org.assertj.core.groups.Tuple.tuple("artifact for catalog", false));
        assertThat(journal(r.id())).noneMatch(e -> e instanceof ReleaseEvent.PhaseChanged);
        assertThat(platform.registry.instances()).isEmpty();

        Files.writeString(dir.resolve("catalog.jar"), "the jar");
        String digest = io.glidepath.policy.Evidence.run(new EvidenceCheck("d", "command", null, null, null, null, null,
                List.of("sh", "-c", "sha256sum catalog.jar"), 10_000), dir).detail().replaceAll(".*output ends: ([0-9a-f]{64}).*", "$1");
        ReleaseRecord ok = submit(new PolicyTerms(List.of(), Duration.ZERO, List.of(passes, new EvidenceCheck("artifact", "checksum", "catalog",
                "catalog.jar", digest, null, null, null, 0)), Optional.empty()));
        engine.awaitAll(Duration.ofSeconds(20));
        assertThat(store.release(ok.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
    }

    @Test
    void aServerStoppedWhileAReleaseWaitsLeavesItWaitingForTheNextOne() throws Exception {
        clock.autoAdvance(false);
        ReleaseRecord r = submit(approval(Duration.ofHours(4)));
        awaitWaiting(engine, r.id());
        engine.close();
        assertThat(store.release(r.id()).orElseThrow().outcome()).as("left unfinished, not cancelled").isEmpty();
        assertThat(store.holder("catalog")).contains(r.id());

        List<Recovery.ResumableRelease> goOn = new Recovery(store, platform, router, clock, e -> { }).recoverUnfinished();
        assertThat(goOn).extracting(g -> g.record().id()).containsExactly(r.id());
        try (Engine next = new Engine(new EngineSeams(platform, router, metrics, prober, clock), store)) {
            goOn.forEach(g -> next.resume(g.record(), g.spec(), g.baseDir(), g.wavesDone(), g.resumeAt()));
            awaitWaiting(next, r.id());
            assertThat(next.awaitingApproval(r.id())).as("the same deadline").contains(r.submitted().plus(Duration.ofHours(4)));
            assertThat(platform.registry.instances()).isEmpty();
            assertThat(next.approve(r.id(), "alice", null)).isEqualTo(Engine.Approval.OWN_RELEASE);
            assertThat(next.approve(r.id(), "bob", null)).isEqualTo(Engine.Approval.APPROVED);
            clock.autoAdvance(true);
            next.awaitAll(Duration.ofSeconds(20));
        }
        assertThat(store.release(r.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
        assertThat(journal(r.id())).filteredOn(e -> e instanceof ReleaseEvent.InstancesStarted).hasSize(1);
        assertThat(journal(r.id())).filteredOn(e -> e instanceof ReleaseEvent.ApprovalChanged a && a.state() == ApprovalState.WAITING).hasSize(1);
    }

    static int indexOf(List<ReleaseEvent> j, java.util.function.Predicate<ReleaseEvent> p) {
        for (int i = 0; i < j.size(); i++) {
            if (p.test(j.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
