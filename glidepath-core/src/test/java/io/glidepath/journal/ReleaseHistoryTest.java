package io.glidepath.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.Verdict;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one reading of a journal: what each kind of event proves about where a release and its services stand. */
class ReleaseHistoryTest {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    final List<StoredEvent> events = new ArrayList<>();

    void add(ReleaseEvent e) {
        events.add(new StoredEvent("r", events.size() + 1, e));
    }

    void phase(String service, Phase p) {
        add(new ReleaseEvent.PhaseChanged(T, service, "", p, "v2"));
    }

    void verdict(String service, Verdict.Outcome outcome) {
        add(new ReleaseEvent.VerdictGiven(T, service, "", outcome, 100, 0, 100, 0, 1.0, 1.0));
    }

    ReleaseHistory history() {
        return ReleaseHistory.of(events);
    }

    @Test
    void aCanaryMidStepsProvesItsInstancesItsStepsAndItsFailingVerdictsInARow() {
        phase("cn", Phase.STARTING);
        add(new ReleaseEvent.InstancesStarted(T, "cn", "", "v2", List.of(new ReleaseEvent.StartedInstance("cn-v2-a", "127.0.0.1:1", 1, "a.log"),
                new ReleaseEvent.StartedInstance("cn-v2-b", "127.0.0.1:2", 2, "b.log"))));
        phase("cn", Phase.READY);
        phase("cn", Phase.SMOKE_TESTED);
        phase("cn", Phase.SHIFTING);
        add(new ReleaseEvent.TrafficChanged(T, "cn", "", "v1", "v2", 2000, 7));
        add(new ReleaseEvent.StepDone(T, "cn", "", 1, 4));
        verdict("cn", Verdict.Outcome.FAIL);
        verdict("cn", Verdict.Outcome.PASS);
        add(new ReleaseEvent.StepDone(T, "cn", "", 2, 4));
        verdict("cn", Verdict.Outcome.FAIL);
        verdict("cn", Verdict.Outcome.INCONCLUSIVE);
        verdict("cn", Verdict.Outcome.FAIL);

        ReleaseHistory.Service cn = history().service("cn");

        assertThat(cn.phase()).isEqualTo(Phase.SHIFTING);
        assertThat(cn.started()).containsExactlyInAnyOrder("cn-v2-a", "cn-v2-b");
        assertThat(cn.stepsDone()).isEqualTo(2);
        // a pass forgives, an inconclusive interval does not: two failures in a row
        assertThat(cn.failuresInARow()).isEqualTo(2);
        assertThat(cn.switched()).isFalse();
        assertThat(cn.split()).contains(new ReleaseHistory.Split("v1", "v2", 2000));
        assertThat(history().rollbackBegun()).isFalse();
    }

    @Test
    void aRouteGivingTheNewVersionAllTrafficProvesTheSwitchButTheRollbackRouteDoesNot() {
        phase("bg", Phase.SMOKE_TESTED);
        add(new ReleaseEvent.TrafficChanged(T, "bg", "", "v2", null, 0, 9));
        phase("other", Phase.ROLLING_BACK);
        add(new ReleaseEvent.TrafficChanged(T, "other", "", "v1", null, 0, 10));

        assertThat(history().service("bg").switched()).isTrue();
        assertThat(history().service("other").switched()).isFalse();
        assertThat(history().rollbackBegun()).isTrue();
    }

    @Test
    void wavesCountOnlyWhenJournaledDoneAndEachServiceKnowsItsWave() {
        add(new ReleaseEvent.Submitted(T, null, "", List.of("back", "front"), List.of(List.of("back"), List.of("front"))));
        add(new ReleaseEvent.WaveChanged(T, null, "", 1, List.of("back"), WaveState.STARTED));
        phase("back", Phase.DONE);
        add(new ReleaseEvent.WaveChanged(T, null, "", 1, List.of("back"), WaveState.DONE));
        add(new ReleaseEvent.WaveChanged(T, null, "", 2, List.of("front"), WaveState.STARTED));

        assertThat(history().wavesDone()).isEqualTo(1);
        assertThat(history().statuses(List.of("back", "front", "unknown"))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "back", new ServiceStatus(1, Phase.DONE), "front", new ServiceStatus(2, Phase.PENDING), "unknown", new ServiceStatus(1, Phase.PENDING)));
        assertThat(history().services()).containsExactly("back", "front");
    }

    @Test
    void rollbackDecisionsKeepTheirReasonAndCauseForTheServiceAndForTheRelease() {
        add(new ReleaseEvent.RollbackDecided(T, "cn", "", "analysis failed", RollbackCause.ANALYSIS));
        add(new ReleaseEvent.RollbackDecided(T, null, "", "cn: analysis failed", RollbackCause.ANALYSIS));
        add(new ReleaseEvent.Finished(T, null, "", Outcome.ROLLED_BACK, "cn: analysis failed", RollbackCause.ANALYSIS));

        assertThat(history().service("cn").rollback()).contains(new ReleaseHistory.Rollback("analysis failed", RollbackCause.ANALYSIS));
        assertThat(history().releaseRollback()).contains(new ReleaseHistory.Rollback("cn: analysis failed", RollbackCause.ANALYSIS));
        assertThat(history().finished()).hasValueSatisfying(f -> assertThat(f.cause()).isEqualTo(RollbackCause.ANALYSIS));
        assertThat(history().rollbackBegun()).isTrue();
    }

    @Test
    void theRouteBeforeTheReleaseIsReadBackAndAFailedVerifyCheckBeginsARollback() {
        RouteSpec before = RouteSpec.of("cn", new RouteMatch(null, "/cn"), List.of(new EndpointAddress("127.0.0.1", 9001)));
        add(new ReleaseEvent.RouteBefore(T, "cn", "", RouteJson.writeSpec(before)));
        assertThat(history().service("cn").routeBefore()).contains(before);
        assertThat(history().submitted()).isFalse();

        add(new ReleaseEvent.CheckResult(T, null, "", "home", "the router", false));
        assertThat(history().rollbackBegun()).isTrue();
    }
}
