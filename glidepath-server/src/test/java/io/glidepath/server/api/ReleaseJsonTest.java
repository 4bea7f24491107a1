package io.glidepath.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.journal.EventJson;
import io.glidepath.analysis.Verdict;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.WaveState;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.StoredEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReleaseJsonTest {
    static final Instant AT = Instant.parse("2026-11-27T10:00:00.120Z");

    @Test
    void anEventIsWrittenAsTheJournalWritesItWithItsNumber() throws Exception {
        List<ReleaseEvent> events = List.of(
                new ReleaseEvent.PhaseChanged(AT, "catalog", "starting", Phase.STARTING, "2.0.0"),
                new ReleaseEvent.InstancesStarted(AT, "catalog", "started", "2.0.0", List.of(new ReleaseEvent.StartedInstance("i1", "127.0.0.1:1", 7, "/l"))),
                new ReleaseEvent.TrafficChanged(AT, "catalog", "canary at 5%", "1.0.0", "2.0.0", 500, 12_000_000_000L),
                new ReleaseEvent.VerdictGiven(AT, "catalog", "pass", Verdict.Outcome.PASS, 100, 0.0, 10, 0.25, 12.5, null),
                new ReleaseEvent.Finished(AT, null, "done", Outcome.ROLLED_BACK, "catalog: smoke test failed", RollbackCause.SMOKE_TEST),
                new ReleaseEvent.WaveChanged(AT, null, "wave 2 of 3", 2, List.of("catalog"), WaveState.STARTED));
        long seq = 1;
        for (ReleaseEvent e : events) {
            ObjectNode tree = ReleaseJson.event(new StoredEvent("shop-1", seq, e));
            ObjectNode journaled = (ObjectNode) EventJson.MAPPER.readTree(EventJson.write(e));
            journaled.put("seq", seq);
            assertThat(tree.toString()).isEqualTo(journaled.toString());
            assertThat(tree.path("kind").asText()).isEqualTo(EventJson.kind(e)).isNotBlank();
            assertThat(tree.has("service")).isEqualTo(e.service() != null);
            seq++;
        }
    }
}
