package io.glidepath.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.engine.Phase;
import io.glidepath.engine.ReleaseEvent;
import io.glidepath.store.StoredEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a stopped server's journal proves, as the next server reads it to decide where a release goes on. */
class RecoveryJournalTest {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    final List<StoredEvent> events = new ArrayList<>();

    void add(ReleaseEvent e) {
        events.add(new StoredEvent("r", events.size() + 1, e));
    }

    void phase(String service, Phase p) {
        add(new ReleaseEvent.PhaseChanged(T, service, "", p, "v2"));
    }

    void verdict(String service, String outcome) {
        add(new ReleaseEvent.VerdictGiven(T, service, "", outcome, 100, 0, 100, 0, 1.0, 1.0));
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
        verdict("cn", "FAIL");
        verdict("cn", "PASS");
        add(new ReleaseEvent.StepDone(T, "cn", "", 2, 4));
        verdict("cn", "FAIL");
        verdict("cn", "INCONCLUSIVE");
        verdict("cn", "FAIL");

        Recovery.Journal j = new Recovery.Journal(events);

        assertThat(j.lastPhase).containsEntry("cn", Phase.SHIFTING);
        assertThat(j.started.get("cn")).containsExactlyInAnyOrder("cn-v2-a", "cn-v2-b");
        assertThat(j.stepsDone).containsEntry("cn", 2);
        // a pass forgives, an inconclusive interval does not: two failures in a row
        assertThat(j.failuresInARow).containsEntry("cn", 2);
        assertThat(j.switched).isEmpty();
        assertThat(j.rollbackBegun).isFalse();
    }

    @Test
    void aRouteGivingTheNewVersionAllTrafficProvesTheSwitchButTheRollbackRouteDoesNot() {
        phase("bg", Phase.SMOKE_TESTED);
        add(new ReleaseEvent.TrafficChanged(T, "bg", "", "v2", null, 0, 9));
        phase("other", Phase.ROLLING_BACK);
        add(new ReleaseEvent.TrafficChanged(T, "other", "", "v1", null, 0, 10));

        Recovery.Journal j = new Recovery.Journal(events);

        assertThat(j.switched).containsExactly("bg");
        assertThat(j.rollbackBegun).isTrue();
    }

    @Test
    void wavesCountOnlyWhenJournaledDone() {
        add(new ReleaseEvent.WaveChanged(T, null, "", 1, List.of("back"), "STARTED"));
        add(new ReleaseEvent.WaveChanged(T, null, "", 1, List.of("back"), "DONE"));
        add(new ReleaseEvent.WaveChanged(T, null, "", 2, List.of("front"), "STARTED"));

        assertThat(new Recovery.Journal(events).wavesDone).isEqualTo(1);
    }
}
