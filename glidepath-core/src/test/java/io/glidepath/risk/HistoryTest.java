package io.glidepath.risk;

import static io.glidepath.risk.RiskFixtures.BERLIN;
import static io.glidepath.risk.RiskFixtures.berlin;
import static io.glidepath.risk.RiskFixtures.file;
import static io.glidepath.risk.RiskFixtures.release;
import static io.glidepath.risk.RiskFixtures.service;
import static io.glidepath.risk.RiskFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.RollbackCause;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What each factor reads from stored releases and their journals, as of the moment a release is proposed, in words. */
class HistoryTest {
    static final String PAY_1 = file(service("payments", "1.0", "env: {MODE: fast}, replicas: 2", ""));

    static List<ReleaseFacts> history() {
        return List.of(
                release("r1", "2026-11-16T10:00", PAY_1, Outcome.PROMOTED),
                release("r2", "2026-11-17T10:00", file(service("payments", "1.1", "env: {MODE: fast}, replicas: 2", "")), Outcome.ROLLED_BACK,
                        "payments:ANALYSIS"),
                release("r3", "2026-11-18T10:00", file(service("payments", "1.2", "env: {MODE: fast}, replicas: 2", "")), Outcome.ROLLED_BACK,
                        "payments:SMOKE_TEST"),
                release("r4", "2026-11-19T10:00", file(service("payments", "1.3", "env: {MODE: fast}, replicas: 2", "")), Outcome.ROLLED_BACK,
                        "payments:ANALYSIS"),
                // catalog failed its readiness; payments was only rolled back with its release: not payments' rollback
                release("r5", "2026-11-20T10:00", file(service("catalog", "7", "", ""), service("payments", "1.3", "env: {MODE: fast}, replicas: 2", "")),
                        Outcome.ROLLED_BACK, "catalog:READINESS", "payments:RELEASE"),
                // someone aborted it: that says nothing about the change
                release("r6", "2026-11-25T10:00", file(service("payments", "1.3", "env: {MODE: fast}, replicas: 2", "")), Outcome.ROLLED_BACK,
                        "payments:ABORTED"),
                // still running when the next one is proposed
                release("r7", "2026-11-27T21:00", file(service("checkout", "3", "", "")), null));
    }

    /** payments 1.4 with two env changes, a replica more, a new dependency and a migration, with ledger new, on a Friday night. */
    static final String PROPOSED = """
            databases:
              - {name: pay, url: "jdbc:postgresql://db:5432/pay?user=pay", expand: db/expand}
            services:
            """ + service("payments", "1.4", "env: {MODE: safe, TRACE: on}, replicas: 3", "    dependsOn: [ledger]\n    database: pay\n")
            + service("ledger", "1", "", "");

    @Test
    void eachFactorAsOfTheProposalInWords() {
        History h = new History(history());
        ReleaseFacts proposed = ReleaseFacts.proposed("p", spec(PROPOSED), berlin("2026-11-27T21:40"));
        Map<Factor, History.Observation> seen = new java.util.EnumMap<>(Factor.class);
        h.observe(proposed, BERLIN).forEach(o -> seen.put(o.factor(), o));
        assertThat(seen.get(Factor.ROLLBACKS)).isEqualTo(new History.Observation(Factor.ROLLBACKS, 3,
                "3 rollbacks of payments in its last 6 releases (2 analysis, 1 smoke test)"));
        assertThat(seen.get(Factor.SINCE_LAST).words()).isEqualTo("payments last released 2 days ago");
        assertThat(seen.get(Factor.SINCE_LAST).value()).isCloseTo(Math.log1p(2 + 11 / 24.0 + 40 / 1440.0) / Math.log(2), within(1e-6));
        assertThat(seen.get(Factor.SERVICES)).isEqualTo(new History.Observation(Factor.SERVICES, 1, "2 services in one release"));
        assertThat(seen.get(Factor.MIGRATION)).isEqualTo(new History.Observation(Factor.MIGRATION, 1, "migrates a database"));
        // against payments as r1 promoted it; a new version alone is no change (the jar's name follows the version)
        assertThat(seen.get(Factor.CONFIG)).isEqualTo(new History.Observation(Factor.CONFIG, 3,
                "3 configuration changes (payments: env.MODE, env.TRACE, replicas)"));
        assertThat(seen.get(Factor.NEW_DEPENDENCIES)).isEqualTo(new History.Observation(Factor.NEW_DEPENDENCIES, 1, "1 new dependency (payments on ledger)"));
        assertThat(seen.get(Factor.OFF_HOURS)).isEqualTo(new History.Observation(Factor.OFF_HOURS, 1, "outside working hours (21:40 Europe/Berlin)"));
        assertThat(seen.get(Factor.END_OF_WEEK)).isEqualTo(new History.Observation(Factor.END_OF_WEEK, 1, "on a Friday (Europe/Berlin)"));
        assertThat(seen.get(Factor.CONCURRENT)).isEqualTo(new History.Observation(Factor.CONCURRENT, 1, "1 other release running (r7)"));
    }

    @Test
    void hoursAndDaysAreTheTeamsWallClock() {
        History h = new History(history());
        // 21:40 in Berlin is 15:40 in New York: working hours, still a Friday
        ReleaseFacts proposed = ReleaseFacts.proposed("p", spec(PAY_1), berlin("2026-11-27T21:40"));
        List<History.Observation> ny = h.observe(proposed, java.time.ZoneId.of("America/New_York"));
        assertThat(ny.get(Factor.OFF_HOURS.ordinal()).value()).isZero();
        assertThat(ny.get(Factor.OFF_HOURS.ordinal()).words()).isEqualTo("in working hours (15:40 America/New_York)");
        // Monday 00:30 in Tokyo is still Sunday in Berlin
        ReleaseFacts monday = ReleaseFacts.proposed("p", spec(PAY_1), java.time.Instant.parse("2026-11-29T15:30:00Z"));
        assertThat(h.observe(monday, java.time.ZoneId.of("Asia/Tokyo")).get(Factor.END_OF_WEEK.ordinal()).value()).isZero();
        assertThat(h.observe(monday, BERLIN).get(Factor.END_OF_WEEK.ordinal()).words()).isEqualTo("on a Sunday (Europe/Berlin)");
    }

    @Test
    void whatEachReleaseTeaches() {
        List<ReleaseFacts> h = history();
        assertThat(h).extracting(ReleaseFacts::failed).containsExactly(Optional.of(false), Optional.of(true), Optional.of(true), Optional.of(true),
                Optional.of(true), Optional.empty(), Optional.empty());
        assertThat(h.get(4).rollbacks()).isEqualTo(Map.of("catalog", RollbackCause.READINESS));
        assertThat(h.get(5).rollbacks()).isEmpty();
        // a release's own factors never see what ended after it was submitted
        History all = new History(h);
        ReleaseFacts r4 = h.get(3);
        assertThat(all.features(r4, BERLIN)[Factor.ROLLBACKS.ordinal()]).isEqualTo(2);
        assertThat(all.examples(BERLIN)).hasSize(5);
    }
}
