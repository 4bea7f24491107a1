package io.glidepath.engine;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.Phase;
import io.glidepath.journal.Outcome;
import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.TrackFigures;
import io.glidepath.platform.Instance;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.journal.StoredEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A restarted server goes on with a release from where its journal proves it was: the state a
 * stopped server left (instances it started, the route it set, the locks) is built by hand here,
 * then {@link Engine#resume} must finish the release without starting anything twice.
 */
class EngineResumeTest extends EngineFixture {
    static final String CANARY = "    steps: [{weight: 5}, {bake: 3s}, {weight: 50}, {bake: 3s}]\n";

    static ReleaseSpec catalog(String version, String extra) throws Exception {
        return EngineTest.release(version, extra);
    }

    /** back, then front (front depends on back), blue-green. */
    static ReleaseSpec twoWaves(String version) throws Exception {
        return ReleaseReader.read("r.yaml", """
                services:
                  - name: back
                    version: %1$s
                    run: {command: [back]}
                    route: {pathPrefix: /back}
                    analysis: {interval: 1s, postPromotion: 2s}
                    keepPrevious: 1m
                  - name: front
                    version: %1$s
                    dependsOn: [back]
                    run: {command: [front]}
                    route: {pathPrefix: /}
                    readiness: {interval: 500ms, deadline: 3s}
                    analysis: {interval: 1s, postPromotion: 2s}
                    keepPrevious: 1m
                """.formatted(version));
    }

    ReleaseRecord promote(ReleaseSpec spec) throws Exception {
        ReleaseRecord r = engine.submit(spec, "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(30));
        ReleaseRecord done = store.release(r.id()).orElseThrow();
        assertThat(done.outcome()).contains(Outcome.PROMOTED);
        return done;
    }

    /** What a stopped server leaves of release {@code id}: its record, its locks, and the instances it had started. */
    ReleaseRecord leftRunning(String id, ReleaseSpec spec) {
        List<String> services = spec.services().stream().map(ServiceSpec::name).toList();
        ReleaseRecord r = new ReleaseRecord(id, "r.yaml", "", ".", services, "alice", clock.now(), Optional.empty(), Optional.empty(), Optional.empty());
        store.createRelease(r);
        assertThat(store.lock(services, id)).isEmpty();
        return r;
    }

    List<Instance> startedBefore(ServiceSpec s) throws Exception {
        return platform.start(new ServiceVersion(s.name(), s.version(), s.run(), Path.of(".")), s.run().replicas());
    }

    /** catalog 1.0.0 promoted, then what a server that stopped while releasing 2.0.0 ({@code extra}) as r2 left: the instances it started. */
    record Left(List<Instance> v1, ReleaseSpec spec, ReleaseRecord record, List<Instance> v2) {
    }

    Left catalogTwoLeftRunning(String extra) throws Exception {
        promote(catalog("1.0.0", ""));
        List<Instance> v1 = live("catalog", "1.0.0");
        ReleaseSpec spec = catalog("2.0.0", extra);
        ReleaseRecord r = leftRunning("r2", spec);
        return new Left(v1, spec, r, startedBefore(spec.services().get(0)));
    }

    /** {@link #catalogTwoLeftRunning} as a canary, the route the stopped server set: 2.0.0 beside 1.0.0 at {@code basisPoints}. */
    Left canaryLeftAt(int basisPoints) throws Exception {
        Left left = catalogTwoLeftRunning(CANARY);
        router.apply(router.last().withStable(addresses(left.v1())).withCanary(addresses(left.v2())).withCanaryWeight(basisPoints), OptionalLong.empty());
        return left;
    }

    List<Instance> live(String service, String version) {
        return platform.list(service).stream().filter(i -> i.version().equals(version)).toList();
    }

    static List<EndpointAddress> addresses(List<Instance> instances) {
        return instances.stream().map(Instance::address).toList();
    }

    long gen(String service) {
        return router.current(service).map(rs -> rs.generation()).orElse(0L);
    }

    List<ReleaseEvent> events(String id) {
        return store.events(id, 0).stream().map(StoredEvent::event).toList();
    }

    ReleaseRecord resumeAndWait(ReleaseRecord r, ReleaseSpec spec, int wavesDone, Map<String, ResumePoint> at) throws Exception {
        engine.resume(r, spec, Path.of("."), wavesDone, at);
        engine.awaitAll(Duration.ofSeconds(30));
        return store.release(r.id()).orElseThrow();
    }

    /** Resumes r2 as a restarted server would, catalog at {@code reached} with the instances it had started. */
    ReleaseRecord resumeCatalog(Left left, Phase reached, boolean switched, int stepsDone, int failuresInARow) throws Exception {
        return resumeAndWait(left.record(), left.spec(), 0, Map.of("catalog", new ResumePoint(reached, left.v2(), switched, stepsDone,
                failuresInARow, gen("catalog"), Optional.empty(), Optional.empty())));
    }

    @Test
    void aCanaryGoesOnAfterItsLastJournaledStepWithTheInstancesItHadStarted() throws Exception {
        // the stopped server had set 5% and baked (steps 1 and 2 journaled done), then set 50% without journaling it
        Left left = canaryLeftAt(5000);
        int routesBefore = router.applied.size();

        ReleaseRecord done = resumeCatalog(left, Phase.SHIFTING, false, 2, 0);

        assertThat(done.outcome()).contains(Outcome.PROMOTED);
        // the route the journal proves (5%) first, never the unjournaled 50%, then step 3 sets 50% again
        assertThat(router.applied.subList(routesBefore, router.applied.size()).stream().filter(s -> !s.canary().isEmpty())
                .map(RouteSpec::canaryWeight).toList()).containsExactly(500, 5000);
        assertThat(events("r2")).filteredOn(e -> e instanceof ReleaseEvent.StepDone).extracting(e -> ((ReleaseEvent.StepDone) e).step())
                .containsExactly(3, 4);
        // nothing started twice: the adopted instances serve, the previous version retired after keepPrevious
        assertThat(events("r2")).noneMatch(e -> e instanceof ReleaseEvent.InstancesStarted || e instanceof ReleaseEvent.Submitted);
        assertThat(platform.list("catalog")).containsExactlyInAnyOrderElementsOf(left.v2());
        assertThat(router.last().stable()).containsExactlyInAnyOrderElementsOf(addresses(left.v2()));
        assertThat(store.service("catalog").orElseThrow().currentVersion()).isEqualTo("2.0.0");
        assertThat(store.service("catalog").orElseThrow().previousVersion()).contains("1.0.0");
        assertThat(store.holder("catalog")).isEmpty();
    }

    @Test
    void failingVerdictsJournaledBeforeTheRestartStillCount() throws Exception {
        Left left = canaryLeftAt(500);
        metrics.figures = (t, canary) -> new TrackFigures(200, canary ? 60 : 0, Map.of(99.0, 15.0));

        // failAfter is 2: one failure journaled before the restart, so the first after it rolls back
        ReleaseRecord done = resumeCatalog(left, Phase.SHIFTING, false, 1, 1);

        assertThat(done.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(done.reason()).hasValueSatisfying(x -> assertThat(x).contains("analysis failed 2 intervals in a row"));
        assertThat(events("r2")).filteredOn(e -> e instanceof ReleaseEvent.VerdictGiven).hasSize(1);
        assertThat(router.last().stable()).containsExactlyInAnyOrderElementsOf(addresses(left.v1()));
        assertThat(router.last().canary()).isEmpty();
        assertThat(live("catalog", "2.0.0")).isEmpty();
        assertThat(platform.stopped).containsAll(left.v2().stream().map(Instance::id).toList());
    }

    @Test
    void aBlueGreenSmokeTestedBeforeTheRestartIsProvenReadyAgainNotSmokeTestedAgain() throws Exception {
        Left left = catalogTwoLeftRunning("    strategy: blueGreen\n");
        int smokes = prober.smokeTargets.size();

        ReleaseRecord done = resumeCatalog(left, Phase.SMOKE_TESTED, false, 0, 0);

        assertThat(done.outcome()).contains(Outcome.PROMOTED);
        assertThat(prober.smokeTargets).hasSize(smokes);
        assertThat(events("r2")).filteredOn(e -> e instanceof ReleaseEvent.InstanceReady).hasSize(2);
        assertThat(events("r2")).filteredOn(e -> e instanceof ReleaseEvent.PhaseChanged).extracting(e -> ((ReleaseEvent.PhaseChanged) e).phase())
                .containsExactly(Phase.PROMOTED, Phase.DONE);
        assertThat(router.last().stable()).containsExactlyInAnyOrderElementsOf(addresses(left.v2()));
    }

    @Test
    void aDeploymentResumedWhileWatchedAfterPromotionRetiresItsPreviousVersionFromTheRoute() throws Exception {
        Left left = catalogTwoLeftRunning("    strategy: blueGreen\n");
        router.apply(router.last().withStable(addresses(left.v2())).withPreview(addresses(left.v1())), OptionalLong.empty());

        ReleaseRecord done = resumeCatalog(left, Phase.PROMOTED, true, 0, 0);

        assertThat(done.outcome()).contains(Outcome.PROMOTED);
        // after keepPrevious, 1.0.0 left the route (a guarded update, expecting the generation at the restart), then stopped
        assertThat(router.last().stable()).containsExactlyInAnyOrderElementsOf(addresses(left.v2()));
        assertThat(router.last().preview()).isEmpty();
        assertThat(live("catalog", "1.0.0")).isEmpty();
        assertThat(platform.stopped).containsAll(left.v1().stream().map(Instance::id).toList());
    }

    @Test
    void anAdoptedInstanceThatDiesRollsTheResumedDeploymentBack() throws Exception {
        Left left = canaryLeftAt(500);
        metrics.figures = (t, canary) -> {
            if (canary && live("catalog", "2.0.0").size() == 2) {
                platform.kill(left.v2().get(0)); // dies during the first bake after the restart
            }
            return new TrackFigures(200, 0, Map.of(99.0, 15.0));
        };

        ReleaseRecord done = resumeCatalog(left, Phase.SHIFTING, false, 1, 0);

        assertThat(done.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(done.reason()).hasValueSatisfying(x -> assertThat(x).contains("instance " + left.v2().get(0).id() + " of 2.0.0 died"));
        assertThat(router.last().stable()).containsExactlyInAnyOrderElementsOf(addresses(left.v1()));
    }

    @Test
    void aReleaseResumedAtItsSecondWaveStillRollsBackAsAWhole() throws Exception {
        promote(twoWaves("1"));
        List<Instance> back1 = live("back", "1");
        ReleaseSpec spec = twoWaves("2");
        ReleaseRecord r = leftRunning("r2", spec);
        // wave 1 done before the restart: back 2 took all traffic, back 1 stays warm on the preview track
        List<Instance> back2 = startedBefore(spec.service("back").orElseThrow());
        RouteSpec backRoute = router.current("back").orElseThrow().spec();
        router.apply(backRoute.withStable(addresses(back2)).withPreview(addresses(back1)), OptionalLong.empty());
        // front 2 never gets ready
        prober.ready = a -> live("front", "2").stream().noneMatch(i -> i.address().equals(a));

        ReleaseRecord done = resumeAndWait(r, spec, 1, Map.of("back", new ResumePoint(Phase.DONE, back2, true, 0, 0, gen("back"), Optional.empty(), Optional.empty())));

        assertThat(done.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(done.reason()).hasValueSatisfying(x -> assertThat(x).startsWith("front: "));
        // back, promoted before the restart, flipped back to 1 with the release; its 2 stopped
        assertThat(router.current("back").orElseThrow().spec().stable()).containsExactlyInAnyOrderElementsOf(addresses(back1));
        assertThat(live("back", "2")).isEmpty();
        assertThat(platform.stopped).containsAll(back2.stream().map(Instance::id).toList());
        assertThat(store.service("back").orElseThrow().currentVersion()).isEqualTo("1");
        // wave 1 was not run again
        assertThat(events("r2")).filteredOn(e -> e instanceof ReleaseEvent.PhaseChanged p && p.service().equals("back"))
                .extracting(e -> ((ReleaseEvent.PhaseChanged) e).phase()).containsExactly(Phase.ROLLING_BACK, Phase.ROLLED_BACK);
    }
}
