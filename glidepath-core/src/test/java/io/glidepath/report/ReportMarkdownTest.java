package io.glidepath.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.Verdict;
import io.glidepath.journal.ApprovalState;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.MigrationStep;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.journal.WaveState;
import io.glidepath.migration.MigrationPhase;
import io.glidepath.policy.EvidenceCheck;
import io.glidepath.store.ReleaseRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The report of a journal written out by hand, checked to the character: every section, escaping, and the same text every time. */
class ReportMarkdownTest {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    static final String SHOP = """
            release: shop-42
            services:
              - name: inventory
                version: v3
                run: {command: [inventory]}
                route: {pathPrefix: /inventory}
                strategy: blueGreen
                database: stock
              - name: catalog
                version: v3
                dependsOn: [inventory]
                run: {command: [catalog]}
                route: {pathPrefix: /catalog}
                steps: [{weight: 20}, {bake: 4s}, {weight: 50}, {bake: 4s}]
            databases:
              - name: stock
                url: jdbc:postgresql://127.0.0.1:5432/stock?user=app
                expand: migrations/expand
            verify:
              - {name: checkout, request: {path: /checkout}}
            """;

    final List<StoredEvent> journal = new ArrayList<>();

    void add(ReleaseEvent e) {
        journal.add(new StoredEvent("shop-42", journal.size() + 1, e));
    }

    static Instant t(double seconds) {
        return T.plusMillis(Math.round(seconds * 1000));
    }

    /** shop-42: evidence, an approval, the migration gate with an allowed finding, inventory promoted, catalog's canary failing its analysis. */
    List<StoredEvent> rolledBack() {
        EvidenceCheck sum = new EvidenceCheck("artifact", "checksum", "catalog", "build/catalog.jar", "ab".repeat(32), null, null, null, 0);
        add(new ReleaseEvent.PolicyApplied(t(0), null, "policy: ...", List.of("two-people"), t(4 * 3600), List.of(sum), null));
        add(new ReleaseEvent.Submitted(t(0.1), null, "release shop-42 submitted by alice: inventory v3, catalog v3 in 2 waves",
                List.of("inventory", "catalog"), List.of(List.of("inventory"), List.of("catalog"))));
        add(new ReleaseEvent.EvidenceChecked(t(0.2), "catalog", "evidence artifact for catalog passed: sha256 matches", "artifact for catalog", true,
                "sha256 of build/catalog.jar matches"));
        add(new ReleaseEvent.ApprovalChanged(t(0.3), null, "release shop-42 waits for approval", ApprovalState.WAITING, null, null, t(4 * 3600)));
        add(new ReleaseEvent.ApprovalChanged(t(62.3), null, "approved by bob: read the migration", ApprovalState.APPROVED, "bob", "read the migration",
                t(4 * 3600)));
        add(new ReleaseEvent.MigrationChanged(t(62.5), null, "the migration gate passed database 'stock' (2 pending statement(s) read on PostgreSQL's "
                + "grammar); 1 finding allowed by the release file\n  V3__idx.sql:1: index-without-concurrently: ...", "stock", MigrationPhase.EXPAND,
                MigrationStep.GATE_PASSED, null, List.of(new ReleaseEvent.GateFinding("V3__idx.sql", 1, "index-without-concurrently",
                "CREATE INDEX without CONCURRENTLY blocks writes to items", "the table has 12 rows"))));
        add(new ReleaseEvent.WaveChanged(t(63), null, "wave 1 of 2: inventory", 1, List.of("inventory"), WaveState.STARTED));
        add(new ReleaseEvent.MigrationChanged(t(63.1), null, "applying V3__idx.sql to database 'stock'", "stock", MigrationPhase.EXPAND,
                MigrationStep.APPLYING, "migrations/expand/V3__idx.sql", List.of()));
        add(new ReleaseEvent.MigrationChanged(t(63.2), null, "applied V3__idx.sql (version 3) to database 'stock' in 41 ms", "stock",
                MigrationPhase.EXPAND, MigrationStep.APPLIED, "migrations/expand/V3__idx.sql", List.of()));
        add(new ReleaseEvent.MigrationChanged(t(63.3), null, "database 'stock' expanded: 1 migration applied", "stock", MigrationPhase.EXPAND,
                MigrationStep.DONE, null, List.of()));
        add(new ReleaseEvent.PhaseChanged(t(63.4), "inventory", "inventory starting", Phase.STARTING, "v3"));
        add(new ReleaseEvent.InstancesStarted(t(63.5), "inventory", "started 2 instances of v3", "v3", List.of(
                new ReleaseEvent.StartedInstance("inventory-v3-a", "127.0.0.1:1", 1, "a.log"), new ReleaseEvent.StartedInstance("inventory-v3-b",
                        "127.0.0.1:2", 2, "b.log"))));
        add(new ReleaseEvent.InstanceReady(t(64), "inventory", "instance inventory-v3-a is ready after 480 ms", "inventory-v3-a", 480));
        add(new ReleaseEvent.InstanceReady(t(64.1), "inventory", "instance inventory-v3-b is ready after 530 ms", "inventory-v3-b", 530));
        add(new ReleaseEvent.PhaseChanged(t(64.1), "inventory", "inventory ready", Phase.READY, "v3"));
        add(new ReleaseEvent.CheckResult(t(64.2), "inventory", "smoke test 'stock' passed on the router (preview): GET /inventory/stock -> 200 in 3 ms",
                "stock", "the router (preview)", true));
        add(new ReleaseEvent.PhaseChanged(t(64.2), "inventory", "inventory smoke-tested", Phase.SMOKE_TESTED, "v3"));
        add(new ReleaseEvent.TrafficChanged(t(64.3), "inventory", "switched all traffic to v3", "v3", null, 0, 4));
        add(new ReleaseEvent.PhaseChanged(t(64.3), "inventory", "inventory promoted", Phase.PROMOTED, "v3"));
        add(new ReleaseEvent.VerdictGiven(t(65.3), "inventory", "pass: errors 0.00% (0 of 300)", Verdict.Outcome.PASS, 0, 0, 300, 0, 12.0, null));
        add(new ReleaseEvent.PhaseChanged(t(66.3), "inventory", "inventory done", Phase.DONE, "v3"));
        add(new ReleaseEvent.CheckResult(t(66.4), null, "verify check 'checkout' passed through the router: GET /checkout -> 200 in 9 ms",
                "checkout", "the router", true));
        add(new ReleaseEvent.WaveChanged(t(66.5), null, "wave 1 done", 1, List.of("inventory"), WaveState.DONE));
        add(new ReleaseEvent.WaveChanged(t(66.6), null, "wave 2 of 2: catalog", 2, List.of("catalog"), WaveState.STARTED));
        add(new ReleaseEvent.PhaseChanged(t(66.7), "catalog", "catalog starting", Phase.STARTING, "v3"));
        add(new ReleaseEvent.InstancesStarted(t(66.8), "catalog", "started 1 instance of v3", "v3", List.of(
                new ReleaseEvent.StartedInstance("catalog-v3-a", "127.0.0.1:3", 3, "c.log"))));
        add(new ReleaseEvent.InstanceReady(t(67.5), "catalog", "instance catalog-v3-a is ready after 700 ms", "catalog-v3-a", 700));
        add(new ReleaseEvent.PhaseChanged(t(67.5), "catalog", "catalog ready", Phase.READY, "v3"));
        add(new ReleaseEvent.PhaseChanged(t(67.6), "catalog", "catalog smoke-tested", Phase.SMOKE_TESTED, "v3"));
        add(new ReleaseEvent.TrafficChanged(t(67.7), "catalog", "canary v3 at 20%", "v2", "v3", 2000, 7));
        add(new ReleaseEvent.PhaseChanged(t(67.7), "catalog", "catalog shifting", Phase.SHIFTING, "v3"));
        add(new ReleaseEvent.StepDone(t(67.8), "catalog", "step 1 of 4 done: canary at 20%", 1, 4));
        add(new ReleaseEvent.VerdictGiven(t(68.8), "catalog", "fail: errors vs stable: 2.10x", Verdict.Outcome.FAIL, 250, 0.01, 250, 0.021, 31.6,
                14.2, 131.4, 100.0, List.of(new Verdict.MetricEvidence("errors vs stable", 262.8, 2.1, 1.6, 2.9)), null));
        add(new ReleaseEvent.RollbackDecided(t(68.9), "catalog", "rolling back catalog v3: analysis failed 2 intervals in a row",
                "analysis failed 2 intervals in a row: errors vs stable 2.10x", RollbackCause.ANALYSIS));
        add(new ReleaseEvent.PhaseChanged(t(68.9), "catalog", "rolling back", Phase.ROLLING_BACK, "v3"));
        add(new ReleaseEvent.TrafficRestored(t(68.904), "catalog", "all traffic back on v2 4 ms after the decision", 4));
        add(new ReleaseEvent.RollbackDecided(t(68.91), null, "rolling the release back: 1 promoted service flips back",
                "analysis failed 2 intervals in a row: errors vs stable 2.10x", RollbackCause.ANALYSIS));
        add(new ReleaseEvent.PhaseChanged(t(68.912), "inventory", "rolling back", Phase.ROLLING_BACK, "v3"));
        add(new ReleaseEvent.TrafficRestored(t(68.915), "inventory", "all traffic back on v2 15 ms after the decision", 15));
        add(new ReleaseEvent.TrafficRestored(t(68.916), null, "every service of the release is back on its previous version 16 ms after the decision", 16));
        add(new ReleaseEvent.PhaseChanged(t(70), "catalog", "rolled back", Phase.ROLLED_BACK, "v3"));
        add(new ReleaseEvent.PhaseChanged(t(70.1), "inventory", "rolled back", Phase.ROLLED_BACK, "v3"));
        add(new ReleaseEvent.MigrationChanged(t(70.2), null, "contract of database 'stock' will not run", "stock", MigrationPhase.CONTRACT,
                MigrationStep.SKIPPED, null, List.of()));
        add(new ReleaseEvent.Finished(t(70.3), null, "release shop-42 rolled back: analysis failed", Outcome.ROLLED_BACK,
                "analysis failed 2 intervals in a row: errors vs stable 2.10x", RollbackCause.ANALYSIS));
        return journal;
    }

    static ReleaseRecord record(Outcome outcome, Instant finished, String reason) {
        return new ReleaseRecord("shop-42", "shop.yaml", SHOP, "/srv/shop", List.of("inventory", "catalog"), "alice", T, Optional.ofNullable(outcome),
                Optional.ofNullable(reason), Optional.ofNullable(finished));
    }

    @Test
    void aRolledBackReleaseReadsSectionBySection() {
        SignOffReport r = SignOffReport.of(record(Outcome.ROLLED_BACK, t(70.3), "analysis failed 2 intervals in a row: errors vs stable 2.10x"),
                rolledBack());
        assertThat(r.markdown()).isEqualTo("""
                # Sign-off report: release shop-42

                - **Outcome:** rolled back (cause: analysis)
                - **Release file:** shop.yaml
                - **Submitted:** 2026-11-27 10:00:00.000 UTC by alice
                - **Finished:** 2026-11-27 10:01:10.300 UTC, 1m10s after submission
                - **Reason:** analysis failed 2 intervals in a row: errors vs stable 2.10x

                ## Services

                | Wave | Service | Version | Strategy | Instances | Canary steps | Ended |
                |---|---|---|---|---|---|---|
                | 1 | inventory | v3 | blueGreen | 2 |   | rolled back |
                | 2 | catalog | v3 | canary | 1 | 1 of 4 | rolled back |

                ## Rollback

                - **Cause:** analysis
                - **Began with:** catalog
                - **Why:** analysis failed 2 intervals in a row: errors vs stable 2.10x
                - **Decided:** +68.9s (2026-11-27 10:01:08.900 UTC)
                - **Traffic back on the previous versions:** 16 ms after the decision

                | Service | Traffic back after | Journal |
                |---|---|---|
                | catalog | 4 ms | all traffic back on v2 4 ms after the decision |
                | inventory | 15 ms | all traffic back on v2 15 ms after the decision |

                ## What was verified

                ### Readiness

                | Service | Version | Instances | Ready | Slowest to be ready |
                |---|---|---|---|---|
                | inventory | v3 | 2 | 2 | 530 ms |
                | catalog | v3 | 1 | 1 | 700 ms |

                ### Smoke tests

                | At | Service | Test | On | Result | Detail |
                |---|---|---|---|---|---|
                | +64.2s | inventory | stock | the router (preview) | passed | smoke test 'stock' passed on the router (preview): GET /inventory/stock -> 200 in 3 ms |

                ### Verify checks

                | At | After wave | Check | Result | Detail |
                |---|---|---|---|---|
                | +66.4s | 1 | checkout | passed | verify check 'checkout' passed through the router: GET /checkout -> 200 in 9 ms |

                ### Analysis verdicts

                2 verdicts: 1 PASS, 1 FAIL.

                | At | Service | Verdict | Traffic | Figures | Evidence | Judge |
                |---|---|---|---|---|---|---|
                | +65.3s | inventory | PASS | after promotion | canary 0.00% errors over 300 requests, p99 12 ms; stable 0.00% over 0, p99 n/a |   | pass: errors 0.00% (0 of 300) |
                | +68.8s | catalog | FAIL | canary 20% | canary 2.10% errors over 250 requests, p99 32 ms; stable 1.00% over 250, p99 14 ms | evidence 131.40 of 100 needed to roll back; errors vs stable: evidence 262.80, ratio 2.10x (1.60-2.90x) | fail: errors vs stable: 2.10x |

                ### Database migrations

                #### Database stock

                - **Migration gate:** passed: the migration gate passed database 'stock' (2 pending statement(s) read on PostgreSQL's grammar); 1 finding allowed by the release file

                | File | Line | Rule | Finding | Allowed because |
                |---|---|---|---|---|
                | V3\\_\\_idx.sql | 1 | index-without-concurrently | CREATE INDEX without CONCURRENTLY blocks writes to items | the table has 12 rows |

                - **Expanded:** yes
                - **Contract:** skipped

                | At | Phase | Step | File | Detail |
                |---|---|---|---|---|
                | +63.2s | expand | applied | migrations/expand/V3\\_\\_idx.sql | applied V3\\_\\_idx.sql (version 3) to database 'stock' in 41 ms |
                | +63.3s | expand | done |   | database 'stock' expanded: 1 migration applied |
                | +70.2s | contract | skipped |   | contract of database 'stock' will not run |

                ## Policy

                - **Deploy window:** none closed at submission
                - **Approval rules:** two-people; approval due by 2026-11-27 14:00:00.000 UTC
                - **Approval:** approved by bob (read the migration) after 1m2s waiting

                ### Required evidence

                | Check | Kind | What it checks | Result | Detail |
                |---|---|---|---|---|
                | artifact for catalog | checksum | sha256 of build/catalog.jar matches abababababab... | passed | sha256 of build/catalog.jar matches |

                ## Who did what

                | At | Who | What |
                |---|---|---|
                | +0.0s | alice | submitted the release from shop.yaml |
                | +62.3s | bob | approved the release: read the migration |

                ## Timing

                | Event | At | From submission |
                |---|---|---|
                | submitted | 2026-11-27 10:00:00.000 UTC | +0.0s |
                | started | 2026-11-27 10:00:00.100 UTC | +0.1s |
                | approval asked | 2026-11-27 10:00:00.300 UTC | +0.3s |
                | approved by bob | 2026-11-27 10:01:02.300 UTC | +62.3s |
                | finished | 2026-11-27 10:01:10.300 UTC | +70.3s |

                - **Took:** 1m10s in all, 1m2s waiting for approval

                ### Waves

                | Wave | Services | Started | Done | Took |
                |---|---|---|---|---|
                | 1 | inventory | +63.0s | +66.5s | 3.5s |
                | 2 | catalog | +66.6s |   |   |

                ### Phases

                | Service | Phases (from submission) | Took |
                |---|---|---|
                | inventory | starting +63.4s, ready +64.1s, smoke-tested +64.2s, watching +64.3s, promoted +66.3s, rolling back +68.9s, rolled back +70.1s | 6.7s |
                | catalog | starting +66.7s, ready +67.5s, smoke-tested +67.6s, shifting +67.7s, rolling back +68.9s, rolled back +70.0s | 3.3s |

                Built from release shop-42's record and journal; glidepath show shop-42 lists every event.
                """);
    }

    @Test
    void theJsonCarriesTheSameFiguresForPrograms() {
        var json = SignOffReport.of(record(Outcome.ROLLED_BACK, t(70.3), "analysis failed"), rolledBack()).json();
        assertThat(json.at("/release/state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(json.at("/release/inProgress").asBoolean()).isFalse();
        assertThat(json.at("/release/seconds").asDouble()).isEqualTo(70.3);
        var fail = json.at("/verified/verdicts/1");
        assertThat(fail.path("outcome").asText()).isEqualTo("FAIL");
        assertThat(fail.path("canaryWeight").asInt()).isEqualTo(2000);
        assertThat(fail.path("canaryErrorRate").asDouble()).isEqualTo(0.021);
        assertThat(fail.path("canaryRequests").asLong()).isEqualTo(250);
        assertThat(fail.path("stableP99Millis").asDouble()).isEqualTo(14.2);
        assertThat(fail.path("evidence").asDouble()).isEqualTo(131.4);
        assertThat(fail.at("/metrics/0/ratio").asDouble()).isEqualTo(2.1);
        assertThat(fail.has("state")).as("the judge's state is for a restarted server, not for people").isFalse();
        assertThat(json.at("/outcome/rollback/cause").asText()).isEqualTo("ANALYSIS");
        assertThat(json.at("/outcome/rollback/service").asText()).isEqualTo("catalog");
        assertThat(json.at("/outcome/rollback/trafficBackMillis").asLong()).isEqualTo(16);
        assertThat(json.at("/outcome/rollback/flips").findValuesAsText("service")).containsExactly("catalog", "inventory");
        assertThat(json.at("/policy/approval/by").asText()).isEqualTo("bob");
        assertThat(json.at("/policy/evidence/0/passed").asBoolean()).isTrue();
        assertThat(json.at("/verified/migrations/0/gate/findings/0/allowedBecause").asText()).isEqualTo("the table has 12 rows");
        assertThat(json.at("/timing/approvalWaitSeconds").asDouble()).isEqualTo(62.0);
        assertThat(json.at("/fleets").isEmpty()).isTrue();
    }

    @Test
    void theSameJournalAlwaysGivesTheSameReport() {
        ReleaseRecord rec = record(Outcome.ROLLED_BACK, t(70.3), "analysis failed");
        List<StoredEvent> events = rolledBack();
        SignOffReport a = SignOffReport.of(rec, events);
        SignOffReport b = SignOffReport.of(rec, List.copyOf(events));
        assertThat(b.markdown()).isEqualTo(a.markdown());
        assertThat(EventJson.MAPPER.valueToTree(b).toString()).isEqualTo(a.json().toString());
        assertThat(a.markdown()).doesNotContain("\u001b").doesNotContain("\t");
    }

    @Test
    void aReleaseStillRunningIsMarkedInProgress() {
        List<StoredEvent> sofar = rolledBack().subList(0, 31); // catalog's canary at 20%, nothing judged yet
        SignOffReport r = SignOffReport.of(record(null, null, null), sofar);
        assertThat(r.release().inProgress()).isTrue();
        assertThat(r.release().state()).isEqualTo("RUNNING");
        assertThat(r.outcome().outcome()).isNull();
        assertThat(r.outcome().rollback()).isNull();
        assertThat(r.markdown()).contains("""
                # Sign-off report: release shop-42

                > **In progress** (running): this report shows the journal so far; ask for it again once the release has ended.

                - **Outcome:** in progress, running
                - **Release file:** shop.yaml
                - **Submitted:** 2026-11-27 10:00:00.000 UTC by alice

                ## Services

                | Wave | Service | Version | Strategy | Instances | Canary steps | Phase |
                |---|---|---|---|---|---|---|
                | 1 | inventory | v3 | blueGreen | 2 |   | promoted |
                | 2 | catalog | v3 | canary | 1 | 0 of 4 | shifting |
                """).doesNotContain("## Rollback").doesNotContain("Finished");
        // waiting for its approval: where it stands, from the journal alone
        SignOffReport waiting = SignOffReport.of(record(null, null, null), rolledBack().subList(0, 4));
        assertThat(waiting.release().state()).isEqualTo("AWAITING_APPROVAL");
        assertThat(waiting.markdown()).contains("- **Approval:** waiting until 2026-11-27 14:00:00.000 UTC");
    }

    @Test
    void textFromTheJournalCannotMakeMarkupOrBreakATable() {
        add(new ReleaseEvent.Submitted(t(0), null, "submitted", List.of("inventory"), List.of()));
        String nasty = "status 500 | <img src=x onerror=alert(1)> [click](http://evil.example) **now** `code` &amp; ~~gone~~\nsecond line\r\n# not a heading";
        add(new ReleaseEvent.CheckResult(t(1), "inventory", nasty, "home", "instance a", false));
        add(new ReleaseEvent.Finished(t(2), null, "rolled back", Outcome.ROLLED_BACK, nasty, RollbackCause.SMOKE_TEST));
        String md = SignOffReport.of(record(Outcome.ROLLED_BACK, t(2), nasty), journal).markdown();
        String escaped = "status 500 \\| \\<img src=x onerror=alert(1)> \\[click\\](http://evil.example) \\*\\*now\\*\\* \\`code\\` "
                + "\\&amp; \\~\\~gone\\~\\~ / second line / # not a heading";
        assertThat(md).contains("- **Reason:** " + escaped + "\n");
        assertThat(md).contains("| +1.0s | inventory | home | instance a | FAILED | " + escaped + " |\n");
        // every row of every table has as many cells as its header: no unescaped bar came from the text
        long bars = -1;
        for (String line : md.lines().toList()) {
            long n = line.replace("\\|", "").chars().filter(c -> c == '|').count();
            if (!line.startsWith("|")) {
                bars = -1; // between tables
            } else if (bars < 0) {
                bars = n; // a header
            } else {
                assertThat(n).as(line).isEqualTo(bars);
            }
        }
        assertThat(md.lines().filter(l -> l.startsWith("#"))).allSatisfy(h -> assertThat(h).doesNotContain("not a heading"));
        assertThat(md).doesNotContainPattern("(?<!\\\\)<img").doesNotContainPattern("(?<!\\\\)]\\(http");
    }
}
