package io.glidepath.engine;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.Phase;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.RollbackCause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.Verdict;
import io.glidepath.platform.Instance;
import io.glidepath.route.RouteSpec;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.journal.StoredEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The engine on in-memory seams and a manual clock: each path of a deployment, in milliseconds. */
class EngineTest extends EngineFixture {
    static ReleaseSpec release(String version, String extra) throws Exception {
        return ReleaseReader.read("r.yaml", source(version, extra));
    }

    static String source(String version, String extra) {
        return """
                services:
                  - name: catalog
                    version: %s
                    run: {command: [catalog], replicas: 2}
                    route: {pathPrefix: /catalog}
                    readiness: {interval: 500ms, healthyAfter: 2, deadline: 10s}
                    smoke: [{name: home, request: {path: /catalog}}]
                    analysis: {interval: 1s, minRequests: 50, failAfter: 2, postPromotion: 10s, rules: [{errorRate: {max: 1%%}}]}
                    keepPrevious: 1m
                %s""".formatted(version, extra);
    }

    ReleaseRecord deploy(String version, String extra) throws Exception {
        ReleaseRecord r = engine.submit(release(version, extra), "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        return store.release(r.id()).orElseThrow();
    }

    List<String> messages(String releaseId) {
        return store.events(releaseId, 0).stream().map(e -> e.event().message()).toList();
    }

    List<ReleaseEvent> events(String releaseId) {
        return store.events(releaseId, 0).stream().map(StoredEvent::event).toList();
    }

    List<Instance> live(String version) {
        return platform.list("catalog").stream().filter(i -> i.version().equals(version)).toList();
    }

    @Test
    void aFirstDeploymentGoesToAllTrafficAfterItsProofs() throws Exception {
        ReleaseRecord r = deploy("1.0.0", "");
        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        assertThat(live("1.0.0")).hasSize(2);
        RouteSpec route = router.last();
        assertThat(route.stable()).containsExactlyInAnyOrderElementsOf(live("1.0.0").stream().map(Instance::address).toList());
        assertThat(route.canary()).isEmpty();
        assertThat(store.service("catalog").orElseThrow().currentVersion()).isEqualTo("1.0.0");
        assertThat(events(r.id())).filteredOn(e -> e instanceof ReleaseEvent.PhaseChanged).extracting(e -> ((ReleaseEvent.PhaseChanged) e).phase())
                .containsExactly(Phase.STARTING, Phase.READY, Phase.SMOKE_TESTED, Phase.PROMOTED, Phase.DONE);
        // smoke tests: each instance directly, then the router with the preview key
        assertThat(prober.smokeTargets).hasSize(3).last().isEqualTo("127.0.0.1:8080");
        assertThat(prober.smokeHeaders.get(2)).containsEntry(RouteSpec.PREVIEW_KEY_HEADER, "preview-key");
        assertThat(store.holder("catalog")).isEmpty();
    }

    @Test
    void aHealthyCanaryWalksItsStepsIsPromotedAndThePreviousVersionIsRetiredLater() throws Exception {
        deploy("1.0.0", "");
        List<Instance> v1 = live("1.0.0");
        ReleaseRecord r = deploy("2.0.0", "    steps: [{weight: 5}, {bake: 3s}, {weight: 50}, {bake: 3s}]\n");
        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        assertThat(router.weights()).containsExactly(0, 500, 5000);
        assertThat(events(r.id())).filteredOn(e -> e instanceof ReleaseEvent.VerdictGiven).isNotEmpty()
                .allSatisfy(e -> assertThat(((ReleaseEvent.VerdictGiven) e).outcome()).isEqualTo(Verdict.Outcome.PASS));
        // after keepPrevious the old version left the route and stopped
        assertThat(live("1.0.0")).isEmpty();
        assertThat(platform.stopped).containsAll(v1.stream().map(Instance::id).toList());
        assertThat(router.last().stable()).hasSize(2).doesNotContainAnyElementsOf(v1.stream().map(Instance::address).toList());
        assertThat(router.last().preview()).isEmpty();
        assertThat(store.service("catalog").orElseThrow().previousVersion()).contains("1.0.0");
        assertThat(messages(r.id())).anyMatch(m -> m.startsWith("retired 1.0.0 after keeping it warm for 1m"));
        // the platform was told until when the old version stays warm: a minute after the release ended
        assertThat(platform.keptUntil).containsOnlyKeys(v1.stream().map(Instance::id).toList())
                .allSatisfy((id, until) -> assertThat(until).isEqualTo(r.finished().orElseThrow().plus(Duration.ofMinutes(1))));
    }

    @Test
    void aCanaryWhoseErrorsBeginAfterItsSmokeTestsIsRolledBackWithinIntervalTimesFailAfter() throws Exception {
        deploy("1.0.0", "");
        List<Instance> v1 = live("1.0.0");
        Instant[] onset = new Instant[1];
        metrics.figures = (t, canary) -> {
            if (canary && router.last().canaryWeight() >= 2500) {
                if (onset[0] == null) {
                    onset[0] = t.minusSeconds(1); // the errors began within the interval just judged
                }
                return new TrackFigures(200, 60, Map.of(99.0, 15.0));
            }
            return new TrackFigures(200, 0, Map.of(99.0, 15.0));
        };
        ReleaseRecord r = deploy("2.0.0", "    steps: [{weight: 5}, {bake: 5s}, {weight: 25}, {bake: 30s}]\n");
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("analysis failed 2 intervals in a row")
                .contains("canary error rate 30% (60 of 200) is above the 1% allowed"));
        ReleaseEvent.RollbackDecided decided = (ReleaseEvent.RollbackDecided) events(r.id()).stream()
                .filter(e -> e instanceof ReleaseEvent.RollbackDecided).findFirst().orElseThrow();
        assertThat(Duration.between(onset[0], decided.at())).isLessThanOrEqualTo(Duration.ofSeconds(2 * 1 + 1));
        // traffic first, in one update: stable is v1 only
        RouteSpec back = router.last();
        assertThat(back.stable()).containsExactlyInAnyOrderElementsOf(v1.stream().map(Instance::address).toList());
        assertThat(back.canary()).isEmpty();
        assertThat(back.canaryWeight()).isZero();
        assertThat(live("2.0.0")).isEmpty();
        assertThat(live("1.0.0")).containsExactlyInAnyOrderElementsOf(v1);
        assertThat(store.service("catalog").orElseThrow().currentVersion()).isEqualTo("1.0.0");
        assertThat(events(r.id())).anySatisfy(e -> assertThat(e).isInstanceOf(ReleaseEvent.TrafficRestored.class));
    }

    @Test
    void failingIntervalsCountAcrossStepsAndTheWeightNeverRisesOnAFailure() throws Exception {
        deploy("1.0.0", "");
        int[] judged = new int[1];
        metrics.figures = (t, canary) -> {
            if (canary) {
                judged[0]++;
            }
            // the canary turns bad in the last interval of the first bake, and stays bad
            boolean bad = canary && judged[0] >= 3;
            return new TrackFigures(200, bad ? 100 : 0, Map.of(99.0, 15.0));
        };
        ReleaseRecord r = deploy("2.0.0", "    steps: [{weight: 10}, {bake: 3s}, {weight: 50}, {bake: 30s}]\n");
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(router.weights()).as("the weight stayed at 10% after the failing interval").doesNotContain(5000);
        assertThat(judged[0]).as("two failing intervals in a row, the second one across the step boundary").isEqualTo(4);
    }

    @Test
    void aCanaryThatNeverBecomesReadyIsRolledBackAndNeverTakesTraffic() throws Exception {
        deploy("1.0.0", "");
        int updatesBefore = router.applied.size();
        prober.ready = a -> live("2.0.0").stream().noneMatch(i -> i.address().equals(a));
        ReleaseRecord r = deploy("2.0.0", "");
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("was not ready within 10s (GET /health: connection refused)"));
        assertThat(router.applied.subList(updatesBefore, router.applied.size())).allSatisfy(s -> {
            assertThat(s.canary()).isEmpty();
            assertThat(s.preview()).isEmpty();
        });
        assertThat(live("2.0.0")).isEmpty();
        assertThat(live("1.0.0")).hasSize(2);
    }

    @Test
    void aFailingSmokeTestRollsBackBeforeAnyUserTraffic() throws Exception {
        deploy("1.0.0", "");
        prober.smoke = (a, c) -> !a.toString().equals("127.0.0.1:8080");
        ReleaseRecord r = deploy("2.0.0", "");
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("smoke test 'home' failed on the router (preview)"));
        assertThat(router.applied).noneMatch(s -> s.canaryWeight() > 0);
        assertThat(router.last().preview()).isEmpty();
    }

    @Test
    void anInstanceThatDiesMidBakeRollsTheDeploymentBack() throws Exception {
        deploy("1.0.0", "");
        metrics.figures = (t, canary) -> {
            if (router.last().canaryWeight() == 2500 && !live("2.0.0").isEmpty()) {
                platform.kill(live("2.0.0").get(0));
            }
            return new TrackFigures(200, 0, Map.of(99.0, 15.0));
        };
        ReleaseRecord r = deploy("2.0.0", "    steps: [{weight: 25}, {bake: 1m}]\n");
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).containsPattern("instance catalog-2.0.0-\\d+ of 2.0.0 died"));
        assertThat(router.last().canary()).isEmpty();
    }

    @Test
    void anAbortRollsBackAtOnce() throws Exception {
        deploy("1.0.0", "");
        metrics.figures = (t, canary) -> {
            if (router.last().canaryWeight() == 1000) {
                engine.inProgress().forEach(p -> engine.abort(p.record().id(), "bob"));
            }
            return new TrackFigures(200, 0, Map.of(99.0, 15.0));
        };
        ReleaseRecord submitted = engine.submit(release("2.0.0", "    steps: [{weight: 10}, {bake: 1h}]\n"), "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        ReleaseRecord r = store.release(submitted.id()).orElseThrow();
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).contains("catalog: aborted by bob");
        assertThat(Duration.between(T0, clock.now())).as("it did not bake for an hour").isLessThan(Duration.ofMinutes(30));
    }

    @Test
    void aManualPauseWaitsForPromote() throws Exception {
        deploy("1.0.0", "");
        String[] id = new String[1];
        Instant[] pausedAt = new Instant[1];
        metrics.figures = (t, canary) -> {
            if (router.last().canaryWeight() == 2000 && !canary) {
                if (pausedAt[0] == null) {
                    pausedAt[0] = t;
                } else if (Duration.between(pausedAt[0], t).toMinutes() >= 10) {
                    engine.promote(id[0], "alice");
                }
            }
            return new TrackFigures(200, 0, Map.of(99.0, 15.0));
        };
        ReleaseRecord submitted = engine.submit(release("2.0.0", "    steps: [{weight: 20}, {pause: manual}, {weight: 60}]\n"), "r.yaml", "",
                Path.of("."), "alice");
        id[0] = submitted.id();
        engine.awaitAll(Duration.ofSeconds(20));
        assertThat(store.release(id[0]).orElseThrow().outcome()).contains(Outcome.PROMOTED);
        assertThat(router.weights()).containsSubsequence(2000, 6000);
        assertThat(messages(id[0])).contains("paused at 20%: waiting for glidepath promote", "step 2 of 3 done: promote by alice received at 20%: going on");
    }

    @Test
    void redeployingTheRunningVersionChangesNothingAndSaysSo() throws Exception {
        deploy("1.0.0", "");
        int updates = router.applied.size();
        ReleaseRecord r = deploy("1.0.0", "");
        assertThat(r.outcome()).contains(Outcome.UNCHANGED);
        assertThat(messages(r.id())).contains("catalog 1.0.0 already runs (2 instances): nothing to do");
        assertThat(router.applied).hasSize(updates);
    }

    @Test
    void aReleaseIdThatExistsIsRefusedAsTakenNotAsHeld() throws Exception {
        ReleaseRecord first = engine.submit(ReleaseReader.read("r.yaml", "release: shop-1\n" + source("1.0.0", "")), "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        assertThatThrownBy(() -> engine.submit(ReleaseReader.read("r.yaml", "release: shop-1\n" + source("2.0.0", "")), "r.yaml", "", Path.of("."), "bob"))
                .isInstanceOf(ReleaseExistsException.class)
                .hasMessage("release shop-1 already exists; name the new one differently or leave 'release:' out");
        assertThat(first.id()).isEqualTo("shop-1");
        assertThat(store.holder("catalog")).isEmpty();
    }

    @Test
    void aSecondReleaseTouchingAServiceMidDeployIsRefusedNamingTheHolder() throws Exception {
        deploy("1.0.0", "");
        clock.autoAdvance(false);
        ReleaseRecord first = engine.submit(release("2.0.0", ""), "r.yaml", "", Path.of("."), "alice");
        assertThatThrownBy(() -> engine.submit(release("3.0.0", ""), "r.yaml", "", Path.of("."), "bob"))
                .isInstanceOf(ServiceBusyException.class)
                .hasMessage("service catalog is being deployed by release " + first.id() + "; wait for it to finish, queue behind it with --queue, or run: glidepath abort " + first.id());
        clock.autoAdvance(true);
        engine.awaitAll(Duration.ofSeconds(20));
        assertThat(store.release(first.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
    }

    @Test
    void blueGreenSwitchesInOneUpdateAndRollsBackInOneWhenTheWatchFails() throws Exception {
        deploy("1.0.0", "");
        List<Instance> v1 = live("1.0.0");
        metrics.figures = (t, canary) -> router.last().stable().equals(v1.stream().map(Instance::address).toList())
                ? new TrackFigures(200, 0, Map.of(99.0, 15.0)) : new TrackFigures(200, 100, Map.of(99.0, 15.0));
        int before = router.applied.size();
        ReleaseRecord r = deploy("2.0.0", "    strategy: blueGreen\n");
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        List<RouteSpec> updates = router.applied.subList(before, router.applied.size());
        // preview for smoke tests, the switch, the switch back
        assertThat(updates).hasSize(3);
        assertThat(updates.get(1).stable()).doesNotContainAnyElementsOf(v1.stream().map(Instance::address).toList());
        assertThat(updates.get(1).preview()).containsExactlyInAnyOrderElementsOf(v1.stream().map(Instance::address).toList());
        assertThat(updates.get(2).stable()).containsExactlyInAnyOrderElementsOf(v1.stream().map(Instance::address).toList());
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("new version error rate 50%"));
    }

    @Test
    void aFollowerOfEveryReleaseSeesEachEventAsJournaledUntilItStops() throws Exception {
        List<StoredEvent> seen = new CopyOnWriteArrayList<>();
        Runnable stop = engine.followAll(seen::add);
        ReleaseRecord first = deploy("1.0.0", "");
        platform.failStartWith = "cannot start catalog 2.0.0: out of memory";
        ReleaseRecord failed = deploy("2.0.0", "");
        assertThat(seen.stream().filter(e -> e.releaseId().equals(first.id())).toList()).containsExactlyElementsOf(store.events(first.id(), 0));
        assertThat(seen.stream().filter(e -> e.releaseId().equals(failed.id())).toList()).containsExactlyElementsOf(store.events(failed.id(), 0));
        // the finished event carries the reason for programs
        assertThat(seen.getLast().event()).isEqualTo(new ReleaseEvent.Finished(seen.getLast().event().at(), null,
                "release " + failed.id() + " rolled back: catalog: cannot start catalog 2.0.0: out of memory", Outcome.ROLLED_BACK,
                "catalog: cannot start catalog 2.0.0: out of memory", RollbackCause.PLATFORM));
        stop.run();
        int before = seen.size();
        platform.failStartWith = null;
        deploy("3.0.0", "");
        assertThat(seen).hasSize(before);
    }

    @Test
    void aRollbackAskedFromOutsideAServiceIsToldFromItsOwnFailureByItsCause() {
        assertThat(RollbackCause.ABORTED.askedFromOutside()).isTrue();
        assertThat(RollbackCause.RELEASE.askedFromOutside()).isTrue();
        assertThat(java.util.EnumSet.complementOf(java.util.EnumSet.of(RollbackCause.ABORTED, RollbackCause.RELEASE)))
                .noneMatch(RollbackCause::askedFromOutside);
    }

    @Test
    void aPlatformThatCannotStartTheVersionFailsTheReleaseCleanly() throws Exception {
        platform.failStartWith = "cannot start catalog 1.0.0: catalog (run.command[0]) was not found";
        ReleaseRecord r = deploy("1.0.0", "");
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).contains("catalog: cannot start catalog 1.0.0: catalog (run.command[0]) was not found");
        assertThat(router.routes).isEmpty();
    }
}
