package io.glidepath.engine;

import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.ServiceStatus;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.Phase;
import io.glidepath.journal.Outcome;
import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.TrackFigures;
import io.glidepath.platform.Instance;
import io.glidepath.route.RouteSpec;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.journal.StoredEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Several services as one release: waves, verify checks, atomic rollback, queueing. */
class ReleaseWavesTest extends EngineFixture {
    /** gateway -> catalog, pricing; catalog -> inventory. */
    static String shop(String version, String extra, String release) {
        String svc = """
                  - name: %s
                    version: %s
                    dependsOn: [%s]
                    run: {command: [x]}
                    route: {pathPrefix: %s}
                    analysis: {interval: 1s, minRequests: 10, failAfter: 2, postPromotion: 2s}
                    keepPrevious: 1m
                %s""";
        return release + "services:\n"
                + svc.formatted("gateway", version, "catalog, pricing", "/", extra.contains("gateway") ? extra.replace("gateway", "") : "")
                + svc.formatted("catalog", version, "inventory", "/catalog", "")
                + svc.formatted("pricing", version, "", "/pricing", "")
                + svc.formatted("inventory", version, "", "/inventory", "");
    }

    ReleaseRecord deploy(String yaml) throws Exception {
        ReleaseRecord r = engine.submit(ReleaseReader.read("shop.yaml", yaml), "shop.yaml", yaml, Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(30));
        return store.release(r.id()).orElseThrow();
    }

    List<String> messages(String id) {
        return store.events(id, 0).stream().map(e -> e.event().message()).toList();
    }

    @Test
    void fourServicesArePromotedWaveByWaveWithVerifyChecksAfterEachWave() throws Exception {
        ReleaseRecord v1 = deploy(shop("1", "", "verify: [{name: checkout, request: {path: /checkout}}]\n"));
        assertThat(v1.outcome()).contains(Outcome.PROMOTED);
        // a first release: /checkout has no one to answer it before gateway arrives in wave 3
        assertThat(messages(v1.id())).contains("verify check 'checkout' waits after wave 1: gateway, which answers /checkout, arrives in wave 3",
                "verify check 'checkout' waits after wave 2: gateway, which answers /checkout, arrives in wave 3");
        List<String> order = stableOrder("1");
        assertThat(order.subList(0, 2)).as("wave 1, side by side").containsExactlyInAnyOrder("pricing", "inventory");
        assertThat(order.subList(2, order.size())).containsExactly("catalog", "gateway");
        assertThat(messages(v1.id())).containsSubsequence("wave 1 of 3: pricing, inventory", "wave 1 done", "wave 2 of 3: catalog", "wave 2 done",
                "wave 3 of 3: gateway", "wave 3 done");
        assertThat(messages(v1.id()).stream().filter(m -> m.startsWith("verify check 'checkout' passed after wave")).toList())
                .containsExactly("verify check 'checkout' passed after wave 3: GET /checkout -> 200 in 1 ms");
        assertThat(store.services()).extracting(s -> s.currentVersion()).containsOnly("1");
        // the next release: gateway 1 answers /checkout from wave 1 on, through the new versions behind it
        ReleaseRecord v2 = deploy(shop("2", "", "verify: [{name: checkout, request: {path: /checkout}}]\n"));
        assertThat(v2.outcome()).contains(Outcome.PROMOTED);
        assertThat(messages(v2.id()).stream().filter(m -> m.startsWith("verify check 'checkout' passed after wave")).toList()).hasSize(3);
    }

    @Test
    void aFailureInTheLastWaveFlipsEveryPromotedServiceBackInReverseOrder() throws Exception {
        deploy(shop("1", "", ""));
        List<Instance> v1 = platform.registry.instances();
        // gateway 2's canary fails its analysis: the last wave
        metrics.figures = (t, canary) -> canary && router.last().name().equals("gateway") ? new TrackFigures(200, 100, Map.of(99.0, 10.0))
                : new TrackFigures(200, 0, Map.of(99.0, 10.0));
        // gateway's new instances never drain: the release must not wait for them to flip the rest back
        router.inflight = route -> route.equals("gateway") ? platform.registry.instances().stream().filter(i -> i.version().equals("2"))
                .collect(java.util.stream.Collectors.toMap(Instance::address, i -> 1)) : Map.of();
        int before = router.applied.size();
        ReleaseRecord r = deploy(shop("2", "gateway    steps: [{weight: 20}, {bake: 10s}]\n", ""));
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).startsWith("gateway: analysis failed 2 intervals in a row"));
        // the flips: catalog (wave 2) before inventory and pricing (wave 1)
        List<String> flips = new ArrayList<>();
        for (RouteSpec s : router.applied.subList(before, router.applied.size())) {
            boolean allOld = !s.stable().isEmpty() && s.stable().stream().allMatch(a -> v1.stream().anyMatch(i -> i.address().equals(a)));
            if (allOld && s.canary().isEmpty() && s.preview().isEmpty() && !s.name().equals("gateway")) {
                flips.add(s.name());
            }
        }
        // wave 1's two services flip together, in either order
        assertThat(flips).hasSize(3).startsWith("catalog");
        assertThat(flips.subList(1, 3)).containsExactlyInAnyOrder("pricing", "inventory");
        List<StoredEvent> events = store.events(r.id(), 0);
        ReleaseEvent.RollbackDecided decided = events.stream().map(StoredEvent::event).filter(e -> e instanceof ReleaseEvent.RollbackDecided)
                .map(e -> (ReleaseEvent.RollbackDecided) e).findFirst().orElseThrow();
        assertThat(decided.service()).isEqualTo("gateway");
        ReleaseEvent.TrafficRestored back = events.stream().map(StoredEvent::event).filter(e -> e instanceof ReleaseEvent.TrafficRestored t
                && t.service() == null).map(e -> (ReleaseEvent.TrafficRestored) e).findFirst().orElseThrow();
        assertThat(back.millis()).as("gateway's decision to every service back").isLessThan(1000);
        List<ReleaseEvent> order = events.stream().map(StoredEvent::event).toList();
        int gatewayStopped = order.indexOf(order.stream().filter(e -> e instanceof ReleaseEvent.InstancesStopped && "gateway".equals(e.service()))
                .findFirst().orElseThrow());
        assertThat(order.indexOf(back)).as("the release is back before gateway's new instances have drained").isLessThan(gatewayStopped);
        assertThat(platform.registry.instances()).as("only version 1 runs").allMatch(i -> i.version().equals("1")).hasSize(4);
        assertThat(store.services()).extracting(s -> s.currentVersion()).containsOnly("1");
        for (String svc : List.of("gateway", "catalog", "pricing", "inventory")) {
            RouteSpec route = router.routes.get(svc).spec();
            assertThat(route.stable()).as(svc).allMatch(a -> v1.stream().anyMatch(i -> i.address().equals(a)));
            assertThat(route.canary()).isEmpty();
            assertThat(route.preview()).isEmpty();
        }
    }

    @Test
    void aVerifyFailureAfterWaveOneRollsTheReleaseBackBeforeWaveTwoStarts() throws Exception {
        deploy(shop("1", "", ""));
        prober.smoke = (a, c) -> !c.name().equals("checkout");
        ReleaseRecord r = deploy(shop("2", "", "verify: [{name: checkout, request: {path: /checkout}}]\n"));
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).startsWith("verify check 'checkout' failed after wave 1"));
        assertThat(messages(r.id())).contains("not deployed: catalog, gateway");
        assertThat(platform.registry.instances()).noneMatch(i -> i.version().equals("2"));
        assertThat(store.events(r.id(), 0)).map(StoredEvent::event).filteredOn(e -> e instanceof ReleaseEvent.InstancesStarted)
                .extracting(ReleaseEvent::service).containsExactlyInAnyOrder("pricing", "inventory");
        // how each service ended, read back from the journal
        assertThat(ReleaseHistory.of(store.events(r.id(), 0)).statuses(r.services())).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pricing", new ServiceStatus(1, Phase.ROLLED_BACK), "inventory", new ServiceStatus(1, Phase.ROLLED_BACK),
                "catalog", new ServiceStatus(2, Phase.PENDING), "gateway", new ServiceStatus(3, Phase.PENDING)));
    }

    @Test
    void maxParallelBoundsAWave() throws Exception {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        prober.ready = a -> {
            peak.accumulateAndGet(now.incrementAndGet(), Math::max);
            now.decrementAndGet();
            return true;
        };
        String many = "maxParallel: 1\nservices:\n" + String.join("", List.of("a", "b", "c").stream()
                .map(n -> "  - {name: " + n + ", version: '1', run: {command: [x]}, route: {pathPrefix: /" + n + "}, analysis: {postPromotion: 0s}}\n")
                .toList());
        ReleaseRecord r = deploy(many);
        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        assertThat(peak.get()).isEqualTo(1);
        List<String> started = store.events(r.id(), 0).stream().map(StoredEvent::event).filter(e -> e instanceof ReleaseEvent.InstancesStarted)
                .map(ReleaseEvent::service).toList();
        assertThat(started).containsExactly("a", "b", "c");
    }

    @Test
    void disjointReleasesRunSideBySideAndAnOverlappingOneCanQueue() throws Exception {
        clock.autoAdvance(false);
        ReleaseRecord a = engine.submit(ReleaseReader.read("a.yaml", "services: [{name: a, version: '1', run: {command: [x]}, route: {pathPrefix: /a}}]"),
                "a.yaml", "", Path.of("."), "alice");
        ReleaseRecord b = engine.submit(ReleaseReader.read("b.yaml", "services: [{name: b, version: '1', run: {command: [x]}, route: {pathPrefix: /b}}]"),
                "b.yaml", "", Path.of("."), "bob");
        assertThat(engine.isRunning(a.id())).isTrue();
        assertThat(engine.isRunning(b.id())).as("disjoint: runs at the same time").isTrue();
        ReleaseRecord c = engine.submit(ReleaseReader.read("c.yaml", "services: [{name: a, version: '2', run: {command: [x]}, route: {pathPrefix: /a}}]"),
                "c.yaml", "", Path.of("."), "carol", true);
        assertThat(engine.isQueued(c.id())).isTrue();
        assertThat(messages(c.id())).containsExactly("release " + c.id() + " queued behind release " + a.id() + " (it holds some of the same services)");
        // what a live view shows: the running releases, oldest first, then the queued one with its services pending
        List<Engine.InProgress> now = engine.inProgress();
        assertThat(now).extracting(p -> p.record().id() + (p.queued() ? " queued" : " running"))
                .containsExactly(a.id() + " running", b.id() + " running", c.id() + " queued");
        assertThat(now.get(0).services()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("a");
            assertThat(s.wave()).isEqualTo(1);
            assertThat(s.version()).isEqualTo("1");
        });
        assertThat(now.get(2).services()).containsExactly(new Engine.ServiceInProgress("a", 1, Phase.PENDING, "2"));
        clock.autoAdvance(true);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> store.release(c.id()).flatMap(ReleaseRecord::outcome).isPresent());
        assertThat(store.release(c.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
        assertThat(store.service("a").orElseThrow().currentVersion()).isEqualTo("2");
        assertThat(store.release(b.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
    }

    @Test
    void aQueuedReleaseCanBeAbortedAndNothingOfItIsDeployed() throws Exception {
        clock.autoAdvance(false);
        ReleaseRecord a = engine.submit(ReleaseReader.read("a.yaml", "services: [{name: a, version: '1', run: {command: [x]}, route: {pathPrefix: /a}}]"),
                "a.yaml", "", Path.of("."), "alice");
        ReleaseRecord c = engine.submit(ReleaseReader.read("c.yaml", "services: [{name: a, version: '2', run: {command: [x]}, route: {pathPrefix: /a}}]"),
                "c.yaml", "", Path.of("."), "carol", true);
        assertThat(engine.queuedBehind(c.id())).contains(a.id());
        assertThat(engine.abort(c.id(), "carol")).isTrue();
        assertThat(engine.isQueued(c.id())).isFalse();
        ReleaseRecord cancelled = store.release(c.id()).orElseThrow();
        assertThat(cancelled.outcome()).contains(Outcome.CANCELLED);
        assertThat(cancelled.reason()).hasValueSatisfying(x -> assertThat(x).contains("aborted by carol while it waited in the queue"));
        assertThat(engine.isRunning(a.id())).as("the holder goes on").isTrue();
        clock.autoAdvance(true);
        engine.awaitAll(Duration.ofSeconds(30));
        assertThat(store.release(a.id()).orElseThrow().outcome()).contains(Outcome.PROMOTED);
        assertThat(platform.registry.instances()).extracting(i -> i.version()).containsOnly("1");
    }

    @Test
    void aStoppingEngineCancelsQueuedReleasesInsteadOfStartingThem() throws Exception {
        deploy("services: [{name: a, version: '0', run: {command: [x]}, route: {pathPrefix: /a}}]");
        // a's canary waits at a manual pause until the engine stops
        ReleaseRecord a = engine.submit(ReleaseReader.read("a.yaml", "services: [{name: a, version: '1', run: {command: [x]}, route: {pathPrefix: /a}, "
                + "steps: [{weight: 50}, {pause: manual}]}]"), "a.yaml", "", Path.of("."), "alice");
        ReleaseRecord c = engine.submit(ReleaseReader.read("c.yaml", "services: [{name: a, version: '2', run: {command: [x]}, route: {pathPrefix: /a}}]"),
                "c.yaml", "", Path.of("."), "carol", true);
        engine.close();
        assertThat(store.release(a.id()).orElseThrow().outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(store.release(c.id()).orElseThrow().outcome()).contains(Outcome.CANCELLED);
        assertThat(store.release(c.id()).orElseThrow().reason()).hasValueSatisfying(x -> assertThat(x).contains("the server stopped while it waited"));
        assertThat(messages(c.id())).noneMatch(m -> m.contains("starting"));
        assertThat(platform.registry.instances()).extracting(i -> i.version()).doesNotContain("2");
    }

    @Test
    void anAbortDuringTheSecondWaveFlipsTheFirstWaveBack() throws Exception {
        deploy(shop("1", "", ""));
        metrics.figures = (t, canary) -> {
            // the release in progress, asked here rather than kept from submit(): with the clock advancing
            // by itself, the first waves may run before submit() has even returned
            if (router.last().name().equals("catalog") && router.last().canaryWeight() > 0) {
                engine.inProgress().forEach(p -> engine.abort(p.record().id(), "dana"));
            }
            return new TrackFigures(200, 0, Map.of(99.0, 10.0));
        };
        String yaml = shop("2", "", "");
        ReleaseRecord sub = engine.submit(ReleaseReader.read("shop.yaml", yaml), "shop.yaml", yaml, Path.of("."), "alice");
        engine.awaitAll(Duration.ofSeconds(30));
        ReleaseRecord r = store.release(sub.id()).orElseThrow();
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("aborted by dana"));
        assertThat(platform.registry.instances()).allMatch(i -> i.version().equals("1")).hasSize(4);
    }
}
