package io.glidepath.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.RollbackCause;
import io.glidepath.analysis.Verdict;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.StoredEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServerMetricsTest {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    final ServerMetrics m = new ServerMetrics();
    long seq;

    void event(String release, ReleaseEvent e) {
        m.accept(new StoredEvent(release, ++seq, e));
    }

    @Test
    void releasesByOutcomeTheirDurationsRollbackLatencyAndVerdicts() {
        event("a", new ReleaseEvent.Submitted(T, null, "go", List.of("web"), List.of(List.of("web"))));
        event("b", new ReleaseEvent.Submitted(T, null, "go", List.of("api"), List.of(List.of("api"))));
        assertThat(m.scrape()).contains("glidepath_releases_running 2.0");
        event("a", new ReleaseEvent.VerdictGiven(T.plusSeconds(5), "web", "pass", Verdict.Outcome.PASS, 100, 0, 30, 0, 12.0, 11.0));
        event("a", new ReleaseEvent.VerdictGiven(T.plusSeconds(6), "web", "fail", Verdict.Outcome.FAIL, 100, 0, 30, 0.5, 12.0, 11.0));
        event("a", new ReleaseEvent.RollbackDecided(T.plusSeconds(6), "web", "rolling back", "errors", RollbackCause.ANALYSIS));
        event("a", new ReleaseEvent.TrafficRestored(T.plusSeconds(6), "web", "back", 42));
        event("a", new ReleaseEvent.Finished(T.plusSeconds(20), null, "rolled back", Outcome.ROLLED_BACK, "errors", RollbackCause.ANALYSIS));
        event("b", new ReleaseEvent.Finished(T.plusSeconds(90), null, "promoted", Outcome.PROMOTED, null, null));

        String text = m.scrape();
        assertThat(text).contains("glidepath_releases_running 0.0")
                .contains("glidepath_releases_total{outcome=\"rolled_back\"} 1.0")
                .contains("glidepath_releases_total{outcome=\"promoted\"} 1.0")
                .contains("glidepath_release_duration_seconds_sum{outcome=\"rolled_back\"} 20.0")
                .contains("glidepath_release_duration_seconds_sum{outcome=\"promoted\"} 90.0")
                .contains("glidepath_release_duration_seconds_bucket{outcome=\"promoted\",le=\"120.0\"} 1")
                .contains("glidepath_release_duration_seconds_bucket{outcome=\"promoted\",le=\"60.0\"} 0")
                .contains("glidepath_rollback_traffic_restored_seconds_sum{scope=\"service\"} 0.042")
                .contains("glidepath_rollback_traffic_restored_seconds_bucket{scope=\"service\",le=\"0.05\"} 1")
                .contains("glidepath_rollbacks_total{scope=\"service\"} 1.0")
                .contains("glidepath_analysis_verdicts_total{outcome=\"pass\"} 1.0")
                .contains("glidepath_analysis_verdicts_total{outcome=\"fail\"} 1.0");
        assertThat(m.count("glidepath_releases", "outcome", "cancelled")).isZero();
    }

    @Test
    void aReleaseThisServerGoesOnWithRunsAndItsDurationCountsFromItsSubmission() {
        m.resumed("c", T);
        assertThat(m.scrape()).contains("glidepath_releases_running 1.0");
        event("c", new ReleaseEvent.Note(T.plusSeconds(40), null, "the server restarted while release c ran: it goes on"));
        event("c", new ReleaseEvent.Finished(T.plusSeconds(70), null, "promoted", Outcome.PROMOTED, null, null));
        assertThat(m.scrape()).contains("glidepath_releases_running 0.0")
                .contains("glidepath_release_duration_seconds_sum{outcome=\"promoted\"} 70.0");
    }
}
