package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.engine.recovery.Recovery;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.platform.Instance;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Stickiness;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Recovery carried out on in-memory seams: what a server that stopped mid-canary left, one of the
 * new instances dead meanwhile. The release is rolled back with the engine's own sequences, to the
 * route it had before (journaled), and its end is journaled with its reason and cause, as the
 * engine's own ends are (webhooks and the live stream read them).
 */
class RecoveryTest extends EngineFixture {
    static final String CANARY = "    steps: [{weight: 5}, {bake: 3s}, {weight: 50}, {bake: 3s}]\n";

    @Test
    void aCanaryThatLostAnInstanceWhileNoServerRanIsRolledBackToItsRouteBeforeAndItsEndSaysWhy() throws Exception {
        engine.submit(ReleaseReader.read("r.yaml", EngineTest.source("1.0.0", "    route: {pathPrefix: /catalog, sticky: {mode: header, name: X-User}}\n")
                .replace("    route: {pathPrefix: /catalog}\n", "")), "r.yaml", "", Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(20));
        List<Instance> v1 = live("1.0.0");
        RouteSpec before = router.current("catalog").orElseThrow().spec();
        assertThat(before.sticky()).isEqualTo(Stickiness.header("X-User"));

        // what the stopped server left: r2's journal up to its first step, its instances, the route at 5% under a different stickiness
        String source = EngineTest.source("2.0.0", CANARY);
        ServiceSpec spec = ReleaseReader.read("r.yaml", source).services().get(0);
        ReleaseRecord r2 = new ReleaseRecord("r2", "r.yaml", source, ".", List.of("catalog"), "bob", clock.now(), Optional.empty(), Optional.empty(),
                Optional.empty());
        store.createRelease(r2);
        assertThat(store.lock(List.of("catalog"), "r2")).isEmpty();
        List<Instance> v2 = platform.start(new ServiceVersion("catalog", "2.0.0", spec.run(), Path.of(".")), 2);
        List<ReleaseEvent> journal = new ArrayList<>(List.of(
                new ReleaseEvent.Submitted(clock.now(), null, "", List.of("catalog"), List.of(List.of("catalog"))),
                new ReleaseEvent.RouteBefore(clock.now(), "catalog", "", RouteJson.writeSpec(before)),
                new ReleaseEvent.PhaseChanged(clock.now(), "catalog", "", Phase.STARTING, "2.0.0"),
                new ReleaseEvent.InstancesStarted(clock.now(), "catalog", "", "2.0.0", v2.stream()
                        .map(i -> new ReleaseEvent.StartedInstance(i.id(), i.address().toString(), i.pid(), "")).toList()),
                new ReleaseEvent.PhaseChanged(clock.now(), "catalog", "", Phase.SHIFTING, "2.0.0"),
                new ReleaseEvent.TrafficChanged(clock.now(), "catalog", "", "1.0.0", "2.0.0", 500, 9),
                new ReleaseEvent.StepDone(clock.now(), "catalog", "", 1, 4)));
        journal.forEach(e -> store.append("r2", e));
        router.apply(before.withSticky(Stickiness.cookie()).withCanary(addresses(v2)).withCanaryWeight(500), OptionalLong.empty());
        platform.kill(v2.get(1));

        List<StoredEvent> heard = new ArrayList<>();
        List<Recovery.ResumableRelease> goOn = new Recovery(store, platform, router, clock, heard::add).recoverUnfinished();

        assertThat(goOn).isEmpty();
        ReleaseRecord done = store.release("r2").orElseThrow();
        assertThat(done.outcome()).contains(Outcome.ROLLED_BACK);
        ReleaseEvent.Finished end = (ReleaseEvent.Finished) heard.getLast().event();
        assertThat(end.reason()).isEqualTo(done.reason().orElseThrow()).contains("instance " + v2.get(1).id() + " of catalog 2.0.0 stopped while no "
                + "server watched it");
        assertThat(end.cause()).isEqualTo(RollbackCause.SERVER_RESTARTED);
        // the route before the release: v1 alone, its stickiness back, each endpoint on its own check
        RouteSpec back = router.current("catalog").orElseThrow().spec();
        assertThat(back.stable()).containsExactlyInAnyOrderElementsOf(addresses(v1));
        assertThat(back.canary()).isEmpty();
        assertThat(back.sticky()).isEqualTo(Stickiness.header("X-User"));
        v1.forEach(i -> assertThat(back.healthOf(i.address())).isEqualTo(before.healthOf(i.address())));
        assertThat(live("2.0.0")).isEmpty();
        assertThat(heard).map(StoredEvent::event).filteredOn(e -> e instanceof ReleaseEvent.PhaseChanged p && p.phase() == Phase.ROLLED_BACK)
                .hasSize(1);
        assertThat(store.holder("catalog")).isEmpty();
    }

    List<Instance> live(String version) {
        return platform.list("catalog").stream().filter(i -> i.version().equals(version)).toList();
    }

    static List<EndpointAddress> addresses(List<Instance> instances) {
        return instances.stream().map(Instance::address).toList();
    }
}
