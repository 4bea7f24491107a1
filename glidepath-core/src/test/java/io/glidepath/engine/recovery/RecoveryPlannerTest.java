package io.glidepath.engine.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.Verdict;
import io.glidepath.engine.ResumePoint;
import io.glidepath.engine.recovery.RecoveryDecision.Route;
import io.glidepath.engine.recovery.RecoveryDecision.ServiceBack;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.StoredEvent;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Stickiness;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The planner decides from a journal and what runs alone, touching nothing: these are its cases,
 * each built from events as the engine journals them and a world as a restarted server finds it.
 */
class RecoveryPlannerTest {
    static final Instant T = Instant.parse("2026-11-29T10:00:00Z");
    static final String FILE = """
            services:
              - name: web
                version: "2"
                run: {command: [web], replicas: 2}
                route: {pathPrefix: /web, sticky: {mode: header, name: X-User}}
                readiness: {path: /ready}
                steps: [{weight: 10}, {bake: 30s}, {weight: 50}, {bake: 30s}]
            """;
    final ReleaseSpec spec;
    final ReleaseRecord record;
    final List<StoredEvent> journal = new ArrayList<>();
    final Instance v1a = instance("web-1-a", "1", 9001);
    final Instance v1b = instance("web-1-b", "1", 9002);
    final Instance v2a = instance("web-2-a", "2", 9003);
    final Instance v2b = instance("web-2-b", "2", 9004);
    /** The route before the release: v1 on its own check, its own stickiness. */
    final RouteSpec before = RouteSpec.of("web", new RouteMatch(null, "/web"), List.of(v1a.address(), v1b.address()))
            .withSticky(Stickiness.header("X-User")).withEndpointSettings(Map.of(v1a.address(), settings("/health"), v1b.address(), settings("/health")));

    RecoveryPlannerTest() throws Exception {
        spec = ReleaseReader.read("r.yaml", FILE);
        record = new ReleaseRecord("r2", "r.yaml", FILE, "/tmp", List.of("web"), "alice", T, Optional.empty(), Optional.empty(), Optional.empty());
    }

    static Instance instance(String id, String version, int port) {
        return new Instance(id, "web", version, new EndpointAddress("127.0.0.1", port), port, T, Path.of(id + ".log"), T);
    }

    static EndpointSettings settings(String path) {
        return new EndpointSettings(HealthCheck.http(path), RouteSpec.DEFAULT_DRAIN_TIMEOUT);
    }

    void add(ReleaseEvent e) {
        journal.add(new StoredEvent("r2", journal.size() + 1, e));
    }

    /** r2 journaled up to its first canary step, with a failing verdict last. */
    void canaryAtItsFirstStep() {
        add(new ReleaseEvent.Submitted(T, null, "", List.of("web"), List.of(List.of("web"))));
        add(new ReleaseEvent.RouteBefore(T, "web", "", RouteJson.writeSpec(before)));
        add(new ReleaseEvent.PhaseChanged(T, "web", "", Phase.STARTING, "2"));
        add(new ReleaseEvent.InstancesStarted(T, "web", "", "2", List.of(new ReleaseEvent.StartedInstance(v2a.id(), "", 1, ""),
                new ReleaseEvent.StartedInstance(v2b.id(), "", 2, ""))));
        add(new ReleaseEvent.PhaseChanged(T, "web", "", Phase.READY, "2"));
        add(new ReleaseEvent.PhaseChanged(T, "web", "", Phase.SMOKE_TESTED, "2"));
        add(new ReleaseEvent.PhaseChanged(T, "web", "", Phase.SHIFTING, "2"));
        add(new ReleaseEvent.TrafficChanged(T, "web", "", "1", "2", 1000, 8));
        add(new ReleaseEvent.StepDone(T, "web", "", 1, 4));
        add(new ReleaseEvent.VerdictGiven(T, "web", "", Verdict.Outcome.FAIL, 100, 0, 10, 0.5, 1.0, 1.0, 3.5, 100.0, List.of(),
                io.glidepath.journal.EventJson.MAPPER.createObjectNode().put("canaryRequests", 10)));
    }

    /** What runs: the instances given, the route mid-canary (v1 stable, v2 canary at 10%), web's record at 1. */
    Observed world(List<Instance> live) {
        RouteSpec midCanary = before.withShield(false).withCanary(List.of(v2a.address(), v2b.address())).withCanaryWeight(1000)
                .withSticky(Stickiness.cookie());
        return new Observed(Map.of("web", live), Map.of("web", new RouteState(midCanary, 8, "key")),
                Map.of("web", new ServiceRecord("web", "1", Optional.empty(), "r1", T)));
    }

    RecoveryDecision decide(Observed world) {
        return RecoveryPlanner.decide(record, ReleaseHistory.of(journal), Optional.of(spec), world);
    }

    @Test
    void aReleaseThatNeverLeftTheQueueIsCancelled() {
        add(new ReleaseEvent.Queued(T, null, "", "r1"));
        assertThat(decide(world(List.of(v1a, v1b)))).isInstanceOf(RecoveryDecision.Cancel.class);
    }

    @Test
    void aCanaryWhoseInstancesAllRunGoesOnFromItsLastStepWithItsFailuresAndItsRouteBefore() {
        canaryAtItsFirstStep();
        RecoveryDecision d = decide(world(List.of(v1a, v1b, v2a, v2b)));
        assertThat(d).isInstanceOfSatisfying(RecoveryDecision.Resume.class, r -> {
            ResumePoint at = r.resumeAt().get("web");
            assertThat(at.reached()).isEqualTo(Phase.SHIFTING);
            assertThat(at.fresh()).containsExactlyInAnyOrder(v2a, v2b);
            assertThat(at.stepsDone()).isEqualTo(1);
            assertThat(at.failuresInARow()).isEqualTo(1);
            assertThat(at.generation()).isEqualTo(8);
            assertThat(at.routeBefore()).contains(before);
            assertThat(at.judgeState()).hasValueSatisfying(st -> assertThat(st.path("canaryRequests").asLong()).isEqualTo(10));
        });
    }

    @Test
    void aCanaryThatLostAnInstanceRollsBackToTheRouteItHadBeforeEachEndpointOnItsOwnCheck() {
        canaryAtItsFirstStep();
        RecoveryDecision d = decide(world(List.of(v1a, v1b, v2a)));
        assertThat(d).isInstanceOfSatisfying(RecoveryDecision.RollBack.class, back -> {
            assertThat(back.reason()).contains("instance web-2-b of web 2 stopped while no server watched it");
            assertThat(back.finishing()).isFalse();
            ServiceBack web = back.services().getFirst();
            assertThat(web.target()).contains("1");
            assertThat(web.leaving()).containsExactly(v2a);
            assertThat(web.markRolledBack()).isTrue();
            assertThat(web.route()).isInstanceOfSatisfying(Route.Restore.class, r -> {
                // the route before the release, not the canary's: its stickiness, its shield, v1 checked on /health
                assertThat(r.spec().stable()).containsExactlyInAnyOrder(v1a.address(), v1b.address());
                assertThat(r.spec().canary()).isEmpty();
                assertThat(r.spec().sticky()).isEqualTo(Stickiness.header("X-User"));
                assertThat(r.spec().shield()).isTrue();
                assertThat(r.spec().healthOf(v1a.address()).path()).isEqualTo("/health");
            });
            assertThat(web.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
        });
    }

    @Test
    void aRollbackWithNoLiveInstanceOfThePreviousVersionLeavesTheRouteAsItIs() {
        canaryAtItsFirstStep();
        add(new ReleaseEvent.RollbackDecided(T, "web", "", "analysis failed", io.glidepath.journal.RollbackCause.ANALYSIS));
        RecoveryDecision d = decide(world(List.of(v2a, v2b)));
        assertThat(d).isInstanceOfSatisfying(RecoveryDecision.RollBack.class, back -> {
            assertThat(back.finishing()).isTrue();
            assertThat(back.services().getFirst().route()).isInstanceOf(Route.Stuck.class);
            assertThat(back.services().getFirst().leaving()).isEmpty();
        });
    }

    @Test
    void aReleaseWhoseWorkIsJournaledDoneAndServedIsOnlyFinished() {
        canaryAtItsFirstStep();
        add(new ReleaseEvent.PhaseChanged(T, "web", "", Phase.PROMOTED, "2"));
        add(new ReleaseEvent.PhaseChanged(T, "web", "", Phase.DONE, "2"));
        RouteSpec promoted = before.withStable(List.of(v2a.address(), v2b.address())).withPreview(List.of(v1a.address(), v1b.address()));
        Observed world = new Observed(Map.of("web", List.of(v1a, v1b, v2a, v2b)), Map.of("web", new RouteState(promoted, 9, "key")),
                Map.of("web", new ServiceRecord("web", "1", Optional.empty(), "r1", T)));
        assertThat(decide(world)).isInstanceOf(RecoveryDecision.FinishPromotion.class);
        // the same journal while the router still serves v1: not proven, so not finished
        assertThat(decide(world(List.of(v1a, v1b, v2a, v2b)))).isNotInstanceOf(RecoveryDecision.FinishPromotion.class);
    }
}
