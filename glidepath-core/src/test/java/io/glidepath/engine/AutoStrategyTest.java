package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.analysis.TrackFigures;
import io.glidepath.engine.recovery.Recovery;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.StoredEvent;
import io.glidepath.platform.Instance;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.policy.PolicyTerms;
import io.glidepath.risk.Factor;
import io.glidepath.risk.RiskLevel;
import io.glidepath.risk.RiskScorer;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.spec.ChosenStrategy;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.Step;
import io.glidepath.spec.Strategy;
import io.glidepath.store.ReleaseRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Risk read from the journals the engine really writes, and {@code strategy: auto}: chosen from that
 * risk, journaled with the release, run, and run the same by a restarted server.
 */
class AutoStrategyTest extends EngineFixture {
    static final String AUTO = "    strategy: auto\n";

    @Test
    void aCanaryCaughtByItsAnalysisIsReadFromTheJournalAndAutoBecomesACanaryForThatService() throws Exception {
        engine.submit(EngineTest.release("1.0.0", ""), "r.yaml", EngineTest.source("1.0.0", ""), Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        metrics.figures = (t, canary) -> canary ? new TrackFigures(200, 60, Map.of(99.0, 15.0)) : new TrackFigures(200, 0, Map.of(99.0, 15.0));
        String v2 = EngineTest.source("2.0.0", "    steps: [{weight: 10}, {bake: 5s}]\n");
        ReleaseRecord failed = engine.submit(ReleaseReader.read("r.yaml", v2), "r.yaml", v2, Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        assertThat(store.release(failed.id()).orElseThrow().outcome()).contains(Outcome.ROLLED_BACK);
        metrics.figures = (t, canary) -> new TrackFigures(200, 0, Map.of(99.0, 15.0));

        String v3 = EngineTest.source("3.0.0", AUTO);
        ReleaseSpec spec = ReleaseReader.read("r.yaml", v3);
        RiskScorer.Scored scored = new RiskScorer(store).assess(spec, clock.now(), ZoneOffset.UTC);
        assertThat(scored.risk().releases()).as("two releases teach: one promoted, one rolled back").isEqualTo(2);
        assertThat(scored.risk().contributions().get(Factor.ROLLBACKS.ordinal()).words())
                .isEqualTo("1 rollback of catalog in its last 2 releases (1 analysis)");
        // one of two releases failed, both on a Friday: the fit leans that way already, the rest is the prior
        assertThat(scored.risk().headline()).isEqualTo("medium (16% chance of a rollback; the prior fitted on 2 past releases, 1 rolled back)");
        assertThat(scored.risk().level()).isEqualTo(RiskLevel.MEDIUM);
        Map<String, ChosenStrategy> chosen = scored.advice().chosen();
        assertThat(chosen.get("catalog").describe()).isEqualTo("canary 10% / 50% with 1m bakes");

        assertThatThrownBy(() -> engine.submit(spec, "r.yaml", v3, Path.of("."), "alice")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy: auto is not resolved for catalog: the server chooses it when the release is submitted");
        ReleaseRecord r = engine.submit(spec, "r.yaml", v3, Map.of(), Path.of("."), "alice", false, PolicyTerms.none(), chosen);
        engine.awaitAll(Duration.ofSeconds(20));
        assertThat(store.release(r.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
        List<ReleaseEvent> events = store.events(r.id(), 0).stream().map(StoredEvent::event).toList();
        ReleaseEvent.StrategyChosen c = events.stream().filter(e -> e instanceof ReleaseEvent.StrategyChosen).map(e -> (ReleaseEvent.StrategyChosen) e)
                .findFirst().orElseThrow();
        assertThat(c.service()).isEqualTo("catalog");
        assertThat(c.strategy()).isEqualTo(Strategy.CANARY);
        assertThat(c.weights()).containsExactly(1000, 5000);
        assertThat(c.bakeMillis()).isEqualTo(60_000);
        assertThat(c.message()).startsWith("strategy: auto for catalog is canary 10% / 50% with 1m bakes: risk medium (16%): ")
                .contains("its analysis caught 1 regression of catalog before");
        assertThat(router.weights()).containsSubsequence(1000, 5000);
        assertThat(events).filteredOn(e -> e instanceof ReleaseEvent.StepDone).hasSize(4);
        assertThat(ReleaseHistory.of(store.events(r.id(), 0)).chosenStrategies()).containsEntry("catalog", c.choice());
    }

    @Test
    void aRestartedServerGoesOnWithTheStepsAutoBecameNotWithTheFile() throws Exception {
        engine.submit(EngineTest.release("1.0.0", ""), "r.yaml", EngineTest.source("1.0.0", ""), Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        RouteSpec before = router.current("catalog").orElseThrow().spec();
        // what a stopped server left of an auto release: its choice journaled, its first step done
        String source = EngineTest.source("2.0.0", AUTO);
        ChosenStrategy choice = new ChosenStrategy(Strategy.CANARY, List.of(500, 2500, 5000), Duration.ofSeconds(3), "high", 0.41, "risky");
        ReleaseRecord r2 = new ReleaseRecord("r2", "r.yaml", source, ".", List.of("catalog"), "bob", clock.now(), Optional.empty(), Optional.empty(),
                Optional.empty());
        store.createRelease(r2);
        assertThat(store.lock(List.of("catalog"), "r2")).isEmpty();
        List<Instance> v2 = platform.start(new ServiceVersion("catalog", "2.0.0", ReleaseReader.read("r.yaml", source).services().get(0).run(),
                Path.of(".")), 2);
        List<ReleaseEvent> journal = new ArrayList<>(List.of(
                new ReleaseEvent.StrategyChosen(clock.now(), "catalog", "", choice),
                new ReleaseEvent.Submitted(clock.now(), null, "", List.of("catalog"), List.of(List.of("catalog"))),
                new ReleaseEvent.RouteBefore(clock.now(), "catalog", "", RouteJson.writeSpec(before)),
                new ReleaseEvent.PhaseChanged(clock.now(), "catalog", "", Phase.STARTING, "2.0.0"),
                new ReleaseEvent.InstancesStarted(clock.now(), "catalog", "", "2.0.0", v2.stream()
                        .map(i -> new ReleaseEvent.StartedInstance(i.id(), i.address().toString(), i.pid(), "")).toList()),
                new ReleaseEvent.PhaseChanged(clock.now(), "catalog", "", Phase.SHIFTING, "2.0.0"),
                new ReleaseEvent.TrafficChanged(clock.now(), "catalog", "", "1.0.0", "2.0.0", 500, 9),
                new ReleaseEvent.StepDone(clock.now(), "catalog", "", 1, 6)));
        journal.forEach(e -> store.append("r2", e));
        router.apply(before.withCanary(v2.stream().map(Instance::address).toList()).withCanaryWeight(500), OptionalLong.empty());

        List<Recovery.ResumableRelease> goOn = new Recovery(store, platform, router, clock, e -> { }).recoverUnfinished();
        assertThat(goOn).hasSize(1);
        assertThat(goOn.get(0).spec().services().get(0).steps()).isEqualTo(choice.steps());
        Recovery.ResumableRelease g = goOn.get(0);
        engine.resume(g.record(), g.spec(), g.baseDir(), g.wavesDone(), g.resumeAt());
        engine.awaitAll(Duration.ofSeconds(20));
        assertThat(store.release("r2").orElseThrow().outcome()).contains(Outcome.PROMOTED);
        assertThat(router.weights()).containsSubsequence(500, 2500, 5000);
        assertThat(store.events("r2", 0)).map(StoredEvent::event).filteredOn(e -> e instanceof ReleaseEvent.StepDone)
                .extracting(e -> ((ReleaseEvent.StepDone) e).of()).containsOnly(6);
        assertThat(choice.steps()).first().isEqualTo(new Step.Weight(500));
    }
}
