package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.engine.recovery.Recovery;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.StoredEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.WaveState;
import io.glidepath.platform.Instance;
import io.glidepath.platform.ServiceVersion;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteSpec;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A fleet's customers in rings: order, parallelism, gates, bakes and the failure budget in both modes. */
class FleetReleaseTest extends EngineFixture {

    /** Six customers of web; {@code fleetExtra} goes into the fleet's mapping (rings, budget...). */
    static String fleet(String version, String fleetExtra) {
        return """
                release: web-%s
                services:
                  - name: web
                    version: "%s"
                    run: {command: [web]}
                    route: {pathPrefix: /}
                    smoke: [{name: home, request: {path: /}}]
                    strategy: blueGreen
                    analysis: {interval: 1s, postPromotion: 2s}
                    keepPrevious: 1m
                    fleet:
                      customers:
                        - {name: c1, host: c1.example.test}
                        - {name: c2, host: c2.example.test}
                        - {name: c3, host: c3.example.test, env: {PLAN: gold}}
                        - {name: c4, host: c4.example.test}
                        - {name: c5, host: c5.example.test, env: {PLAN: gold}}
                        - {name: c6, host: c6.example.test}
                %s""".formatted(version, version, fleetExtra.indent(6).stripTrailing());
    }

    static final String RINGS = """
            rings:
              - {name: internal, customers: [c1]}
              - {name: early, share: 50%, maxParallel: 1}
              - {name: rest}
            """;

    ReleaseRecord submit(String yaml) throws Exception {
        return engine.submit(ReleaseReader.read("fleet.yaml", yaml), "fleet.yaml", yaml, Path.of("."), "alice");
    }

    ReleaseRecord deploy(String yaml) throws Exception {
        ReleaseRecord r = submit(yaml);
        engine.awaitAll(Duration.ofSeconds(30));
        return store.release(r.id()).orElseThrow();
    }

    List<ReleaseEvent> events(String id) {
        return store.events(id, 0).stream().map(StoredEvent::event).toList();
    }

    /** The version each customer's route serves now. */
    Map<String, String> serving() {
        Map<EndpointAddress, String> versionAt = platform.registry.instances().stream().collect(Collectors.toMap(Instance::address, Instance::version));
        Map<String, String> out = new java.util.TreeMap<>();
        for (String name : List.of("web.c1", "web.c2", "web.c3", "web.c4", "web.c5", "web.c6")) {
            router.current(name).ifPresent(s -> out.put(name, s.spec().stable().stream().map(versionAt::get).distinct().collect(Collectors.joining("+"))));
        }
        return out;
    }

    /** Smoke checks fail on instances of version {@code version} of the customers named. */
    void smokeFailsFor(String version, Set<String> customers) {
        prober.smoke = (address, check) -> platform.registry.instances().stream().filter(i -> i.address().equals(address))
                .noneMatch(i -> i.version().equals(version) && customers.contains(i.service()));
    }

    @Test
    void customersArePromotedRingByRingEachOnItsOwnRoute() throws Exception {
        assertThat(deploy(fleet("1", RINGS)).outcome()).contains(Outcome.PROMOTED);
        ReleaseRecord r = deploy(fleet("2", RINGS));
        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        assertThat(r.reason()).isEmpty();
        // ring internal (c1), ring early (half the fleet: c2, c3, c4 one at a time, in the fleet's order), then the rest
        List<String> order = stableOrder("2");
        assertThat(order.subList(0, 4)).containsExactly("web.c1", "web.c2", "web.c3", "web.c4");
        assertThat(order.subList(4, 6)).containsExactlyInAnyOrder("web.c5", "web.c6");
        assertThat(serving()).containsOnlyKeys("web.c1", "web.c2", "web.c3", "web.c4", "web.c5", "web.c6").allSatisfy((k, v) -> assertThat(v).isEqualTo("2"));
        assertThat(router.current("web.c3").orElseThrow().spec().match().host()).isEqualTo("c3.example.test");
        List<ReleaseEvent.WaveChanged> waves = events(r.id()).stream().filter(e -> e instanceof ReleaseEvent.WaveChanged).map(e -> (ReleaseEvent.WaveChanged) e)
                .filter(w -> w.state() == WaveState.STARTED).toList();
        assertThat(waves).extracting(ReleaseEvent.WaveChanged::ring).containsExactly("internal", "early", "rest");
        assertThat(waves.get(1).message()).isEqualTo("wave 2 of 3, ring early: web.c2, web.c3, web.c4");
        assertThat(store.services()).extracting(ServiceRecord::name).contains("web.c1", "web.c6").doesNotContain("web");
        // each customer its own instances, with its overrides
        assertThat(platform.registry.instances().stream().filter(i -> i.version().equals("2")).map(Instance::service).distinct()).hasSize(6);
    }

    @Test
    void aCustomerFailingWithinTheBudgetIsBackOnItsPreviousVersionAndTheReleaseGoesOn() throws Exception {
        deploy(fleet("1", RINGS));
        smokeFailsFor("2", Set.of("web.c3"));
        ReleaseRecord r = deploy(fleet("2", RINGS + "failureBudget: {max: 1}\n"));
        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        assertThat(r.reason()).contains("1 customer failed and is back on the previous version: web.c3");
        assertThat(serving()).containsEntry("web.c3", "1").containsEntry("web.c2", "2").containsEntry("web.c6", "2");
        ReleaseEvent.CustomerFailed failed = events(r.id()).stream().filter(e -> e instanceof ReleaseEvent.CustomerFailed).map(e -> (ReleaseEvent.CustomerFailed) e)
                .findFirst().orElseThrow();
        assertThat(failed.customer()).isEqualTo("c3");
        assertThat(failed.ring()).isEqualTo("early");
        assertThat(failed.exceeded()).isFalse();
        assertThat(failed.message()).startsWith("customer c3 (ring early) failed and is back on its previous version: smoke test 'home' failed")
                .endsWith("failure budget 1 of 1: the release goes on");
        assertThat(store.service("web.c3").orElseThrow().currentVersion()).isEqualTo("1");
        assertThat(store.service("web.c4").orElseThrow().currentVersion()).isEqualTo("2");
    }

    @Test
    void exceedingTheBudgetRollsEveryCustomerBackWhenTheFileSaysRollback() throws Exception {
        deploy(fleet("1", RINGS));
        // c3 (ring early) is within the budget; c5 (ring rest) exceeds it
        smokeFailsFor("2", Set.of("web.c3", "web.c5"));
        ReleaseRecord r = deploy(fleet("2", RINGS + "failureBudget: {max: 1, then: rollback}\n"));
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).startsWith("web.c5: smoke test 'home' failed"));
        assertThat(serving()).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo("1"));
        assertThat(store.services()).allSatisfy(s -> assertThat(s.currentVersion()).isEqualTo("1"));
        assertThat(events(r.id()).stream().filter(e -> e instanceof ReleaseEvent.CustomerFailed c && c.exceeded())).hasSize(1);
    }

    @Test
    void theUpdatedCustomersFlipBackWithoutWaitingForACustomerStillInItsChecks() throws Exception {
        deploy(fleet("1", RINGS));
        // ring two: c5 fails its smoke test while c6 is still in its own (a slow check), so c6 cannot put its traffic back yet
        java.util.concurrent.CountDownLatch c6Checking = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch c6Answers = new java.util.concurrent.CountDownLatch(1);
        prober.smoke = (address, check) -> {
            String customer = platform.registry.instances().stream().filter(i -> i.address().equals(address)).map(Instance::service).findFirst().orElse("");
            try {
                if (customer.equals("web.c6")) {
                    c6Checking.countDown();
                    c6Answers.await();
                } else if (customer.equals("web.c5")) {
                    c6Checking.await();
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        };
        ReleaseRecord r = submit(fleet("2", "rings: [{name: one, customers: [c1, c2, c3, c4]}, {name: two}]\n"));
        try {
            // customers are independent: c1 to c4 are back on v1 at once, not after c6's check (the engine would wait 2 s for a caller)
            await().atMost(Duration.ofMillis(1500)).until(() -> events(r.id()).stream().anyMatch(e -> e instanceof ReleaseEvent.TrafficRestored));
            assertThat(serving()).containsEntry("web.c1", "1").containsEntry("web.c2", "1").containsEntry("web.c3", "1").containsEntry("web.c4", "1");
            assertThat(c6Answers.getCount()).as("c6's check still running").isOne();
        } finally {
            c6Answers.countDown();
        }
        engine.awaitAll(Duration.ofSeconds(30));
        assertThat(store.release(r.id()).orElseThrow().outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(serving()).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo("1"));
    }

    @Test
    void exceedingTheBudgetStopsTheReleaseAndKeepsTheCustomersUpdatedWhenTheFileSaysKeep() throws Exception {
        deploy(fleet("1", RINGS));
        smokeFailsFor("2", Set.of("web.c2", "web.c3"));
        ReleaseRecord r = deploy(fleet("2", RINGS + "failureBudget: {max: 1, then: keep}\n"));
        assertThat(r.outcome()).contains(Outcome.STOPPED);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).startsWith("fleet web: failure budget 2 of 1 exceeded (2 customers failed and are back "
                + "on the previous version: web.c2, web.c3); the release stopped, customers already updated keep 2"));
        // ring internal keeps the new version; the failed ones are back; c4 (after them in ring early) and ring rest never started
        assertThat(serving()).containsEntry("web.c1", "2").containsEntry("web.c2", "1").containsEntry("web.c3", "1")
                .containsEntry("web.c4", "1").containsEntry("web.c6", "1");
        assertThat(store.service("web.c1").orElseThrow().currentVersion()).isEqualTo("2");
        assertThat(store.service("web.c4").orElseThrow().currentVersion()).isEqualTo("1");
        assertThat(events(r.id()).stream().map(ReleaseEvent::message)).contains("not started: the release is stopping", "not deployed: web.c5, web.c6");
        assertThat(events(r.id()).stream().filter(e -> e instanceof ReleaseEvent.Finished).map(e -> ((ReleaseEvent.Finished) e).outcome()))
                .containsExactly(Outcome.STOPPED);
        // the previous versions of the customers that keep the new one retire after keepPrevious, as after a promotion
        assertThat(events(r.id()).stream().map(ReleaseEvent::message)).contains("retired 1 after keeping it warm for 1m");
    }

    @Test
    void aRingWithAManualGateWaitsForPromoteAndABakeWaitsBetweenRings() throws Exception {
        deploy(fleet("1", RINGS));
        String rings = """
                rings:
                  - {name: internal, customers: [c1], bake: 5m}
                  - {name: early, share: 50%, gate: manual}
                  - {name: rest}
                """;
        ReleaseRecord r = submit(fleet("2", rings));
        await().atMost(Duration.ofSeconds(10)).until(() -> events(r.id()).stream().anyMatch(e -> e instanceof ReleaseEvent.WaveChanged w
                && w.state() == WaveState.GATED));
        // the release must still wait: nothing of ring early starts
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> platform.registry.instances().stream()
                .filter(i -> i.version().equals("2")).map(Instance::service).distinct().toList().equals(List.of("web.c1")));
        assertThat(engine.promote(r.id(), "alice")).isTrue();
        engine.awaitAll(Duration.ofSeconds(30));
        assertThat(store.release(r.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
        List<ReleaseEvent> events = events(r.id());
        ReleaseEvent.WaveChanged baking = events.stream().filter(e -> e instanceof ReleaseEvent.WaveChanged w && w.state() == WaveState.BAKING)
                .map(e -> (ReleaseEvent.WaveChanged) e).findFirst().orElseThrow();
        assertThat(baking.message()).isEqualTo("baking 5m after ring internal before the next ring");
        Instant ringTwo = events.stream().filter(e -> e instanceof ReleaseEvent.WaveChanged w && w.state() == WaveState.GATED).findFirst().orElseThrow().at();
        assertThat(Duration.between(baking.at(), ringTwo)).isGreaterThanOrEqualTo(Duration.ofMinutes(5));
        assertThat(events.stream().map(ReleaseEvent::message)).contains("ring early waits for glidepath promote (its manual gate) before web.c2, web.c3, web.c4",
                "promote by alice received: ring early begins");
    }

    @Test
    void anAbortAtTheGateRollsBackTheRingsAlreadyUpdated() throws Exception {
        deploy(fleet("1", RINGS));
        ReleaseRecord r = submit(fleet("2", "rings: [{name: one, customers: [c1]}, {name: two, gate: manual}]\n"));
        await().atMost(Duration.ofSeconds(10)).until(() -> events(r.id()).stream().anyMatch(e -> e instanceof ReleaseEvent.WaveChanged w
                && w.state() == WaveState.GATED));
        assertThat(engine.abort(r.id(), "alice")).isTrue();
        engine.awaitAll(Duration.ofSeconds(30));
        assertThat(store.release(r.id()).orElseThrow().outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(serving()).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo("1"));
    }

    @Test
    void aServerThatStoppedAfterTheBudgetWasExceededWithKeepFinishesTheStopOnRestart() throws Exception {
        deploy(fleet("1", RINGS));
        // what the stopped server left of r2 (then: keep): c1 promoted and watched, c2 failed within the budget, c3 beyond it; their
        // traffic back on v1, the new instances of c2 and c3 still running (the stopped server never stopped them)
        String source = fleet("2", RINGS + "failureBudget: {max: 1, then: keep}\n");
        ReleaseSpec spec = ReleaseReader.read("fleet.yaml", source);
        List<String> names = spec.services().stream().map(ServiceSpec::name).toList();
        store.createRelease(new ReleaseRecord("r2", "fleet.yaml", source, ".", names, "bob", clock.now(), Optional.empty(), Optional.empty(),
                Optional.empty()));
        assertThat(store.lock(names, "r2")).isEmpty();
        List<ReleaseEvent> journal = new ArrayList<>();
        journal.add(new ReleaseEvent.Submitted(clock.now(), null, "", names, spec.waves().stream().map(w -> w.stream().map(ServiceSpec::name).toList())
                .toList()));
        Map<String, Instance> fresh = new java.util.HashMap<>();
        for (String c : List.of("web.c1", "web.c2", "web.c3")) {
            Instance v2 = platform.start(new ServiceVersion(c, "2", spec.service(c).orElseThrow().run(), Path.of(".")), 1).getFirst();
            fresh.put(c, v2);
            journal.add(new ReleaseEvent.PhaseChanged(clock.now(), c, "", Phase.STARTING, "2"));
            journal.add(new ReleaseEvent.InstancesStarted(clock.now(), c, "", "2", List.of(new ReleaseEvent.StartedInstance(v2.id(), "", 1, ""))));
            journal.add(new ReleaseEvent.PhaseChanged(clock.now(), c, "", Phase.READY, "2"));
        }
        RouteSpec c1 = router.current("web.c1").orElseThrow().spec();
        router.apply(c1.withStable(List.of(fresh.get("web.c1").address())), OptionalLong.empty());
        journal.add(new ReleaseEvent.PhaseChanged(clock.now(), "web.c1", "", Phase.SMOKE_TESTED, "2"));
        journal.add(new ReleaseEvent.TrafficChanged(clock.now(), "web.c1", "", "2", null, 0, 5));
        journal.add(new ReleaseEvent.PhaseChanged(clock.now(), "web.c1", "", Phase.PROMOTED, "2"));
        journal.add(new ReleaseEvent.PhaseChanged(clock.now(), "web.c1", "", Phase.DONE, "2"));
        int failed = 0;
        for (String c : List.of("web.c2", "web.c3")) {
            failed++;
            journal.add(new ReleaseEvent.RollbackDecided(clock.now(), c, "", "smoke test 'home' failed", RollbackCause.SMOKE_TEST));
            journal.add(new ReleaseEvent.PhaseChanged(clock.now(), c, "", Phase.ROLLING_BACK, "2"));
            journal.add(new ReleaseEvent.CustomerFailed(clock.now(), c, "", "web", c.substring(4), "early", "smoke test 'home' failed",
                    RollbackCause.SMOKE_TEST, failed, 1, failed > 1, true));
        }
        journal.forEach(e -> store.append("r2", e));

        List<StoredEvent> heard = new ArrayList<>();
        assertThat(new Recovery(store, platform, router, clock, heard::add).recoverUnfinished()).isEmpty();

        ReleaseRecord done = store.release("r2").orElseThrow();
        assertThat(done.outcome()).contains(Outcome.STOPPED);
        assertThat(done.reason()).hasValueSatisfying(r -> assertThat(r).startsWith("fleet web: failure budget 2 of 1 exceeded"));
        assertThat(serving()).containsEntry("web.c1", "2").containsEntry("web.c2", "1").containsEntry("web.c3", "1").containsEntry("web.c4", "1");
        assertThat(store.service("web.c1").orElseThrow().currentVersion()).isEqualTo("2");
        assertThat(store.service("web.c3").orElseThrow().currentVersion()).isEqualTo("1");
        assertThat(platform.stopped).as("the failed customers' new instances").contains(fresh.get("web.c2").id(), fresh.get("web.c3").id())
                .doesNotContain(fresh.get("web.c1").id());
        assertThat(platform.list("web.c1")).as("c1 keeps v2; its v1 retired").extracting(Instance::version).containsExactly("2");
    }
}
