package io.glidepath.journal;

import io.glidepath.analysis.Verdict;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventJsonTest {
    static final Instant AT = Instant.parse("2026-11-27T10:00:00.123Z");

    @Test
    void everyKindOfEventSurvivesTheJournal() {
        List<ReleaseEvent> events = List.of(
                new ReleaseEvent.Submitted(AT, null, "submitted", List.of("catalog", "web"), List.of(List.of("catalog"), List.of("web"))),
                new ReleaseEvent.PhaseChanged(AT, "catalog", "starting", Phase.STARTING, "2.0.0"),
                new ReleaseEvent.InstancesStarted(AT, "catalog", "started", "2.0.0", List.of(new ReleaseEvent.StartedInstance("i1", "127.0.0.1:1", 7, "/l"))),
                new ReleaseEvent.InstanceReady(AT, "catalog", "ready", "i1", 120),
                new ReleaseEvent.CheckResult(AT, "catalog", "passed", "home", "instance i1", true),
                new ReleaseEvent.TrafficChanged(AT, "catalog", "canary at 5%", "1.0.0", "2.0.0", 500, 12),
                new ReleaseEvent.VerdictGiven(AT, "catalog", "pass", Verdict.Outcome.PASS, 100, 0.0, 10, 0.0, 12.5, null),
                new ReleaseEvent.RollbackDecided(AT, "catalog", "rolling back", "bad", RollbackCause.SMOKE_TEST),
                new ReleaseEvent.TrafficRestored(AT, "catalog", "back", 8),
                new ReleaseEvent.InstancesStopped(AT, "catalog", "stopped", "2.0.0", List.of("i1")),
                new ReleaseEvent.Finished(AT, null, "done", Outcome.ROLLED_BACK, "catalog: smoke test failed", RollbackCause.SMOKE_TEST),
                new ReleaseEvent.Finished(AT, null, "done", Outcome.PROMOTED, null, null),
                new ReleaseEvent.RouteBefore(AT, "catalog", "the route before", io.glidepath.route.RouteJson.writeSpec(io.glidepath.route.RouteSpec.of("catalog", io.glidepath.route.RouteMatch.any(), List.of()))),
                new ReleaseEvent.Note(AT, "catalog", "note"),
                new ReleaseEvent.WaveChanged(AT, null, "wave 2 of 3", 2, List.of("catalog"), WaveState.STARTED),
                new ReleaseEvent.Queued(AT, null, "queued", "shop-7"));
        for (ReleaseEvent e : events) {
            String json = EventJson.write(e);
            assertThat(EventJson.read(json)).as(json).isEqualTo(e);
        }
        // journals written before waves existed still read
        ReleaseEvent old = EventJson.read("{\"kind\":\"submitted\",\"at\":\"2026-11-27T10:00:00.123Z\",\"message\":\"m\",\"services\":[\"a\"]}");
        assertThat(((ReleaseEvent.Submitted) old).waves()).isEmpty();
        ReleaseEvent oldEnd = EventJson.read("{\"kind\":\"finished\",\"at\":\"2026-11-27T10:00:00.123Z\",\"message\":\"m\",\"outcome\":\"ROLLED_BACK\"}");
        assertThat(((ReleaseEvent.Finished) oldEnd).reason()).isNull();
        assertThat(((ReleaseEvent.Finished) oldEnd).cause()).isNull();
        // a verdict's outcome and a wave's state read as the words journals always had
        assertThat(EventJson.write(events.get(6))).contains("\"outcome\":\"PASS\"");
        assertThat(EventJson.write(events.get(1))).startsWith("{\"kind\":\"phase\",\"at\":\"2026-11-27T10:00:00.123Z\",\"service\":\"catalog\"");
    }
}
