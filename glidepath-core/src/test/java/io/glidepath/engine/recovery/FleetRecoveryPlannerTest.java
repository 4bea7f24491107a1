package io.glidepath.engine.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * What a restarted server makes of a fleet's release: a customer that failed within the budget is
 * no reason to roll the fleet back (it goes on), and a budget exceeded with {@code then: keep} is a
 * stop to finish (promoted customers keep the new version, the others go back), not a rollback.
 */
class FleetRecoveryPlannerTest {
    static final Instant T = Instant.parse("2026-11-30T10:00:00Z");
    final List<StoredEvent> journal = new ArrayList<>();
    final Map<String, List<Instance>> live = new HashMap<>();
    final Map<String, RouteState> routes = new HashMap<>();
    final Map<String, ServiceRecord> records = new HashMap<>();
    int port = 9000;

    static ReleaseSpec fleet(String then) throws Exception {
        return ReleaseReader.read("f.yaml", """
                services:
                  - name: web
                    version: "2"
                    run: {command: [web]}
                    route: {pathPrefix: /}
                    strategy: blueGreen
                    fleet:
                      customers: [{name: a, host: a.test}, {name: b, host: b.test}, {name: c, host: c.test}, {name: d, host: d.test}]
                      rings: [{name: one, customers: [a]}, {name: two, customers: [b, c]}, {name: three}]
                      failureBudget: {max: 1, then: %s}
                """.formatted(then));
    }

    void add(ReleaseEvent e) {
        journal.add(new StoredEvent("r2", journal.size() + 1, e));
    }

    Instance instance(String service, String version) {
        port++;
        return new Instance(service + "-" + version + "-" + port, service, version, new EndpointAddress("127.0.0.1", port), port, T,
                Path.of(port + ".log"), T);
    }

    /** Customer {@code name} on v1 (its route and record), as before the release. */
    Instance onV1(String name) {
        Instance v1 = instance(name, "1");
        live.computeIfAbsent(name, k -> new ArrayList<>()).add(v1);
        routes.put(name, new RouteState(RouteSpec.of(name, new RouteMatch(name.substring(4) + ".test", "/"), List.of(v1.address())), 3, "k"));
        records.put(name, new ServiceRecord(name, "1", Optional.empty(), "r1", T));
        return v1;
    }

    /** The journal of {@code name} deployed and promoted (DONE): its v2 instance runs and serves. */
    void promoted(String name) {
        Instance v2 = instance(name, "2");
        live.get(name).add(v2);
        add(new ReleaseEvent.PhaseChanged(T, name, "", Phase.STARTING, "2"));
        add(new ReleaseEvent.InstancesStarted(T, name, "", "2", List.of(new ReleaseEvent.StartedInstance(v2.id(), "", 1, ""))));
        add(new ReleaseEvent.PhaseChanged(T, name, "", Phase.READY, "2"));
        add(new ReleaseEvent.PhaseChanged(T, name, "", Phase.SMOKE_TESTED, "2"));
        add(new ReleaseEvent.TrafficChanged(T, name, "", "2", null, 0, 4));
        add(new ReleaseEvent.PhaseChanged(T, name, "", Phase.PROMOTED, "2"));
        add(new ReleaseEvent.PhaseChanged(T, name, "", Phase.DONE, "2"));
        routes.put(name, new RouteState(routes.get(name).spec().withStable(List.of(v2.address())), 4, "k"));
    }

    /** The journal of {@code name} failing its smoke test, its traffic back, {@code failed} of the budget spent; its v2 instance still runs. */
    Instance failed(String name, int failed, boolean exceeded, boolean keep) {
        Instance v2 = instance(name, "2");
        live.get(name).add(v2);
        add(new ReleaseEvent.PhaseChanged(T, name, "", Phase.STARTING, "2"));
        add(new ReleaseEvent.InstancesStarted(T, name, "", "2", List.of(new ReleaseEvent.StartedInstance(v2.id(), "", 1, ""))));
        add(new ReleaseEvent.PhaseChanged(T, name, "", Phase.READY, "2"));
        add(new ReleaseEvent.RollbackDecided(T, name, "", "smoke test 'home' failed", RollbackCause.SMOKE_TEST));
        add(new ReleaseEvent.PhaseChanged(T, name, "", Phase.ROLLING_BACK, "2"));
        add(new ReleaseEvent.CustomerFailed(T, name, "", "web", name.substring(4), "two", "smoke test 'home' failed", RollbackCause.SMOKE_TEST,
                failed, 1, exceeded, keep));
        return v2;
    }

    RecoveryDecision decide(ReleaseSpec spec) {
        List<String> names = spec.services().stream().map(s -> s.name()).toList();
        ReleaseRecord r = new ReleaseRecord("r2", "f.yaml", "", "/tmp", names, "alice", T, Optional.empty(), Optional.empty(), Optional.empty());
        Map<String, List<Instance>> all = new HashMap<>();
        names.forEach(n -> all.put(n, live.getOrDefault(n, List.of())));
        return RecoveryPlanner.decide(r, ReleaseHistory.of(journal), Optional.of(spec), new Observed(all, routes, records));
    }

    /** The four customers on v1, the release submitted, ring one's customer (a) promoted; returns {@code spec}. */
    ReleaseSpec started(ReleaseSpec spec) {
        List.of("web.a", "web.b", "web.c", "web.d").forEach(this::onV1);
        submitted(spec);
        promoted("web.a");
        return spec;
    }

    void submitted(ReleaseSpec spec) {
        add(new ReleaseEvent.Submitted(T, null, "", spec.services().stream().map(s -> s.name()).toList(),
                spec.waves().stream().map(w -> w.stream().map(s -> s.name()).toList()).toList()));
    }

    @Test
    void aCustomerThatFailedWithinTheBudgetDoesNotRollTheFleetBackTheReleaseGoesOnWithoutIt() throws Exception {
        ReleaseSpec spec = started(fleet("rollback"));
        add(new ReleaseEvent.WaveChanged(T, null, "", 1, List.of("web.a"), io.glidepath.journal.WaveState.DONE, "one"));
        Instance leftover = failed("web.b", 1, false, false);

        RecoveryDecision d = decide(spec);
        assertThat(d).isInstanceOfSatisfying(RecoveryDecision.Resume.class, r -> {
            assertThat(r.wavesDone()).isEqualTo(1);
            assertThat(r.resumeAt().get("web.a").reached()).isEqualTo(Phase.DONE);
            // b is handed over as it stands, with what its rollback had not stopped yet, for the engine to stop and skip
            assertThat(r.resumeAt().get("web.b").reached()).isEqualTo(Phase.ROLLING_BACK);
            assertThat(r.resumeAt().get("web.b").fresh()).containsExactly(leftover);
            assertThat(r.resumeAt()).doesNotContainKeys("web.c", "web.d");
        });
        assertThat(ReleaseHistory.of(journal).rollbackBegun()).isFalse();
        assertThat(ReleaseHistory.of(journal).tolerated("web.b")).isTrue();
    }

    @Test
    void aFailureBeyondTheBudgetRollsTheFleetBackWhenTheFileSaysRollback() throws Exception {
        ReleaseSpec spec = started(fleet("rollback"));
        failed("web.b", 1, false, false);
        failed("web.c", 2, true, false);
        assertThat(decide(spec)).isInstanceOfSatisfying(RecoveryDecision.RollBack.class, r ->
                assertThat(r.services()).extracting(ServiceBackName::of).contains("web.a", "web.c"));
    }

    @Test
    void aBudgetExceededWithKeepIsAStopToFinishPromotedCustomersKeepTheRestGoBack() throws Exception {
        ReleaseSpec spec = started(fleet("keep"));
        failed("web.b", 1, false, true);
        failed("web.c", 2, true, true);

        assertThat(decide(spec)).isInstanceOfSatisfying(RecoveryDecision.FinishStop.class, s -> {
            assertThat(s.kept()).containsExactly("web.a");
            assertThat(s.services()).extracting(ServiceBackName::of).contains("web.b", "web.c").doesNotContain("web.a", "web.d");
            assertThat(s.services()).filteredOn(b -> b.service().equals("web.c")).singleElement().satisfies(b -> {
                assertThat(b.target()).contains("1");
                assertThat(b.leaving()).extracting(Instance::version).containsExactly("2");
            });
            assertThat(s.reason()).isEqualTo("fleet web: failure budget 2 of 1 exceeded; the release stopped, customers already updated keep the new "
                    + "version");
        });
    }

    /** A service going back, by name (for extracting). */
    interface ServiceBackName {
        static String of(RecoveryDecision.ServiceBack b) {
            return b.service();
        }
    }
}
