package io.glidepath.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.journal.EventJson;
import org.junit.jupiter.api.Test;

class ShowCommandTest {

    @Test
    void printsTheServicesAndTheTimelineWithEachVerdictsNumbers() throws Exception {
        var release = EventJson.MAPPER.readTree("""
                {"id": "shop-1", "file": "shop.yaml", "submittedBy": "ci-bot", "submitted": "2026-11-27T10:00:00Z", "state": "ROLLED_BACK",
                 "finished": "2026-11-27T10:00:42.500Z", "reason": "catalog: error rate 4.00% over 1% (canary)",
                 "changes": [{"service": "catalog", "version": "2.0.0", "strategy": "canary"}, {"service": "web", "version": "3", "strategy": "blueGreen"}],
                 "phases": {"catalog": {"wave": 1, "phase": "ROLLED_BACK"}, "web": {"wave": 2, "phase": "PENDING"}}}""");
        var events = EventJson.MAPPER.readTree("""
                [{"kind": "submitted", "at": "2026-11-27T10:00:00Z", "message": "release shop-1 submitted by ci-bot"},
                 {"kind": "verdict", "at": "2026-11-27T10:00:30Z", "service": "catalog", "message": "canary fails: error rate 4.00% over 1%",
                  "outcome": "FAIL", "stableRequests": 1200, "stableErrorRate": 0.001, "canaryRequests": 300, "canaryErrorRate": 0.04,
                  "canaryP99Millis": 31.6, "stableP99Millis": null},
                 {"kind": "finished", "at": "2026-11-27T10:00:42.500Z", "message": "release rolled back", "outcome": "ROLLED_BACK"}]""");
        assertThat(ShowCommand.text(release, events)).isEqualTo("""
                release shop-1 (shop.yaml)
                submitted 2026-11-27 10:00:00 UTC by ci-bot: ROLLED_BACK after 42.5s
                reason: catalog: error rate 4.00% over 1% (canary)

                services:
                  wave 1  catalog          2.0.0        canary     rolled back
                  wave 2  web              3            blueGreen  waiting

                timeline:
                      +0.0s  release        release shop-1 submitted by ci-bot
                     +30.0s  catalog        canary fails: error rate 4.00% over 1%
                                            FAIL: canary 4.00% errors over 300 requests, p99 32 ms; stable 0.10% over 1200, p99 n/a
                     +42.5s  release        release rolled back
                """);
    }

    @Test
    void aSequentialVerdictShowsEachMetricsEvidenceAndRatio() throws Exception {
        var release = EventJson.MAPPER.readTree("""
                {"id": "shop-2", "file": "shop.yaml", "submittedBy": "ci-bot", "submitted": "2026-11-27T10:00:00Z", "state": "ROLLED_BACK",
                 "changes": [{"service": "catalog", "version": "2.0.0", "strategy": "canary"}], "phases": {"catalog": {"wave": 1, "phase": "ROLLED_BACK"}}}""");
        var events = EventJson.MAPPER.readTree("""
                [{"kind": "verdict", "at": "2026-11-27T10:00:12Z", "service": "catalog", "message": "fail: errors vs stable: 2.10x",
                  "outcome": "FAIL", "stableRequests": 250, "stableErrorRate": 0.01, "canaryRequests": 250, "canaryErrorRate": 0.021,
                  "evidence": 131.4, "needed": 100.0,
                  "metrics": [{"metric": "errors vs stable", "eValue": 262.8, "ratio": 2.1, "low": 1.6, "high": 2.9},
                              {"metric": "requests slower than stable's p99 vs stable", "eValue": 1.5, "ratio": 1.1, "low": 0.7, "high": 1.6, "dispersion": 2.4},
                              {"metric": "errors at most 5%", "eValue": 0.01}]}]""");
        assertThat(ShowCommand.text(release, events)).contains("""
                                            FAIL: canary 2.10% errors over 250 requests, p99 n/a; stable 1.00% over 250, p99 n/a
                                              errors vs stable: evidence 262.80, ratio 2.10x (1.60-2.90x)
                                              requests slower than stable's p99 vs stable: evidence 1.50, ratio 1.10x (0.70-1.60x), bursty: evidence divided by 2.40
                                              errors at most 5%: evidence 0.01
                                              evidence 131.40 of 100 needed to roll back
                """);
    }
}
