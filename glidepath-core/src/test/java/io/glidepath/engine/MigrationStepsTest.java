package io.glidepath.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.analysis.MetricSource;
import io.glidepath.analysis.Judge;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.journal.MigrationStep;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.RollbackCause;
import io.glidepath.journal.StoredEvent;
import io.glidepath.migration.Finding;
import io.glidepath.migration.MigrationPhase;
import io.glidepath.migration.MigrationRule;
import io.glidepath.migration.MigrationSetupException;
import io.glidepath.migration.Migrations;
import io.glidepath.spec.DatabaseSpec;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.store.ReleaseRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A release's database steps in the engine, on an in-memory database seam that records what it is asked
 * (the real one is tested on PostgreSQL in glidepath-migrations and end to end): the order gate, expand,
 * the previous version proven on the expanded schema, the new version, promotion, contract once the
 * previous version is retired and its sessions gone; and each way it stops.
 */
class MigrationStepsTest extends EngineFixture {
    final RecordingMigrations db = new RecordingMigrations();
    final Engine withDatabase = new Engine(new EngineSeams(platform, router, MetricSource.Factory.always(metrics), prober, Judge.byReleaseFile(), clock,
            db), store);

    @AfterEach
    void closeIt() {
        withDatabase.close();
    }

    static String release(String version, String smoke) {
        return """
                databases:
                  - {name: shop, url: 'jdbc:postgresql://db/shop?user=shop', expand: db/expand, contract: db/contract}
                services:
                  - name: inventory
                    version: %s
                    database: shop
                    run: {command: [x]}
                    route: {pathPrefix: /inventory}
                    smoke: [{name: %s, request: {path: /%s}}]
                    strategy: blueGreen
                    analysis: {interval: 1s, minRequests: 10, failAfter: 2, postPromotion: 2s}
                    keepPrevious: 1m
                """.formatted(version, smoke, smoke);
    }

    ReleaseRecord deploy(String yaml) throws Exception {
        ReleaseRecord r = withDatabase.submit(ReleaseReader.read("shop.yaml", yaml), "shop.yaml", yaml, Path.of("."), "alice");
        withDatabase.awaitAll(Duration.ofSeconds(30));
        return store.release(r.id()).orElseThrow();
    }

    List<ReleaseEvent> events(ReleaseRecord r) {
        return store.events(r.id(), 0).stream().map(StoredEvent::event).toList();
    }

    static List<String> steps(List<ReleaseEvent> events) {
        return events.stream().map(e -> switch (e) {
            case ReleaseEvent.MigrationChanged m -> m.phase().word() + " " + m.step();
            case ReleaseEvent.InstancesStarted i -> "started " + i.version();
            case ReleaseEvent.Finished f -> "finished " + f.outcome();
            case ReleaseEvent.InstancesStopped s -> "stopped " + s.version();
            default -> "";
        }).filter(s -> !s.isEmpty()).toList();
    }

    @Test
    void gateThenExpandThenThePreviousVersionProvenThenTheNewOneAndContractOnceThePreviousIsGone() throws Exception {
        deploy(release("1", "stock"));
        db.calls.clear();
        db.pendingContract = List.of("db/contract/V3__drop_code.sql");
        db.sessionsLeft.set(2); // the previous version's sessions linger for two polls after its instances stop
        ReleaseRecord r = deploy(release("2", "stock-v2"));
        // the contract runs after the release ended: wait for it
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> db.calls.contains("contract shop"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> steps(events(r)).contains("contract DONE"));

        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        List<String> steps = steps(events(r));
        assertThat(steps).containsSubsequence("expand GATE_PASSED", "expand STARTED", "expand DONE", "expand PREVIOUS_PROVEN", "started 2",
                "contract CONTRACT_PENDING", "finished PROMOTED", "stopped 1", "contract CONTRACT_WAITING", "contract STARTED", "contract DONE");
        assertThat(db.calls).containsSubsequence("gate shop", "expand shop", "pendingContract shop", "sessions shop [glidepath:inventory:1]",
                "contract shop");
        // the previous version was proven with its own smoke check (from the release that shipped it), on its own instances
        List<ReleaseEvent.CheckResult> proofs = events(r).stream().filter(e -> e instanceof ReleaseEvent.CheckResult c && c.message().contains("(previous"))
                .map(e -> (ReleaseEvent.CheckResult) e).toList();
        assertThat(proofs).singleElement().satisfies(c -> {
            assertThat(c.check()).isEqualTo("stock");
            assertThat(c.message()).startsWith("inventory 1 (previous, serving users) on the expanded schema: smoke test 'stock' passed on instance");
        });
        ReleaseHistory h = ReleaseHistory.of(store.events(r.id(), 0));
        assertThat(h.expanded()).containsExactly("shop");
        assertThat(h.contracts()).isEqualTo(Map.of("shop", MigrationStep.DONE));
    }

    @Test
    void aBlockingFindingCancelsTheReleaseBeforeAnythingRunsWithTheFindingJournaled() throws Exception {
        deploy(release("1", "stock"));
        db.calls.clear();
        db.findings = List.of(new Finding(MigrationPhase.EXPAND, "db/expand/V2__sku.sql", 3, MigrationRule.REQUIRE_CONCURRENT_INDEX_CREATION,
                "CREATE INDEX on items without CONCURRENTLY", Optional.empty()));
        int instances = platform.registry.instances().size();
        ReleaseRecord r = deploy(release("2", "stock"));
        assertThat(r.outcome()).contains(Outcome.CANCELLED);
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("db/expand/V2__sku.sql:3 require-concurrent-index-creation"));
        assertThat(db.calls).containsExactly("gate shop");
        assertThat(platform.registry.instances()).hasSize(instances);
        ReleaseEvent.MigrationChanged refused = events(r).stream().filter(e -> e instanceof ReleaseEvent.MigrationChanged)
                .map(e -> (ReleaseEvent.MigrationChanged) e).findFirst().orElseThrow();
        assertThat(refused.step()).isEqualTo(MigrationStep.GATE_REFUSED);
        assertThat(refused.findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("require-concurrent-index-creation");
            assertThat(f.allowedBecause()).isNull();
        });
        assertThat(refused.message()).contains("Safe way: CREATE INDEX CONCURRENTLY");
    }

    @Test
    void anAllowedFindingIsJournaledWithItsReasonAndTheReleaseGoesOn() throws Exception {
        db.findings = List.of(new Finding(MigrationPhase.EXPAND, "db/expand/V2__sku.sql", 3, MigrationRule.REQUIRE_CONCURRENT_INDEX_CREATION,
                "CREATE INDEX on items without CONCURRENTLY", Optional.of("items has 40 rows")));
        ReleaseRecord r = deploy(release("1", "stock"));
        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        ReleaseEvent.MigrationChanged passed = events(r).stream().filter(e -> e instanceof ReleaseEvent.MigrationChanged)
                .map(e -> (ReleaseEvent.MigrationChanged) e).findFirst().orElseThrow();
        assertThat(passed.step()).isEqualTo(MigrationStep.GATE_PASSED);
        assertThat(passed.findings()).singleElement().satisfies(f -> assertThat(f.allowedBecause()).isEqualTo("items has 40 rows"));
        assertThat(passed.message()).contains("1 finding allowed by the release file", "Allowed by the release file: items has 40 rows");
    }

    @Test
    void aFailedExpandStopsTheReleaseBeforeTheNewVersionStarts() throws Exception {
        deploy(release("1", "stock"));
        db.expandFails = true;
        ReleaseRecord r = deploy(release("2", "stock"));
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(events(r).stream().filter(e -> e instanceof ReleaseEvent.Finished).map(e -> ((ReleaseEvent.Finished) e).cause()))
                .containsExactly(RollbackCause.MIGRATION);
        assertThat(steps(events(r))).doesNotContain("started 2").containsSubsequence("expand STARTED", "expand FAILED", "contract SKIPPED",
                "finished ROLLED_BACK");
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("expand of database 'shop' failed: V2__sku.sql: lock timeout"));
    }

    @Test
    void aPreviousVersionFailingOnTheExpandedSchemaStopsTheReleaseBeforeTheNewVersionTakesTraffic() throws Exception {
        deploy(release("1", "stock"));
        prober.smoke = (a, c) -> !c.name().equals("stock"); // version 1's own check fails now
        ReleaseRecord r = deploy(release("2", "stock-v2"));
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(steps(events(r))).doesNotContain("started 2", "expand PREVIOUS_PROVEN");
        assertThat(r.reason()).hasValueSatisfying(x -> assertThat(x).contains("inventory 1, which serves users, fails on the expanded schema, "
                + "so 2 was not started"));
        assertThat(db.calls).doesNotContain("contract shop");
    }

    @Test
    void aRolledBackReleaseNeverContracts() throws Exception {
        deploy(release("1", "stock"));
        db.calls.clear();
        db.pendingContract = List.of("db/contract/V3__drop_code.sql");
        metrics.figures = (t, canary) -> canary ? new TrackFigures(200, 100, Map.of(99.0, 10.0)) : new TrackFigures(200, 0, Map.of(99.0, 10.0));
        ReleaseRecord r = deploy(release("2", "stock").replace("strategy: blueGreen", "steps: [{weight: 20}, {bake: 10s}]"));
        assertThat(r.outcome()).contains(Outcome.ROLLED_BACK);
        assertThat(steps(events(r))).contains("contract SKIPPED").doesNotContain("contract CONTRACT_PENDING", "contract STARTED");
        assertThat(db.calls).doesNotContain("contract shop", "pendingContract shop");
        assertThat(ReleaseHistory.of(store.events(r.id(), 0)).contracts()).isEqualTo(Map.of("shop", MigrationStep.SKIPPED));
    }

    @Test
    void aDatabaseTwoWavesShareExpandsBeforeTheFirstOfThemAndContractsOnceAfterTheWholeRelease() throws Exception {
        String two = """
                databases:
                  - {name: shop, url: 'jdbc:postgresql://db/shop?user=shop', expand: db/expand, contract: db/contract}
                services:
                  - name: orders
                    version: %s
                    database: shop
                    dependsOn: [stock]
                    run: {command: [x]}
                    route: {pathPrefix: /orders}
                    strategy: blueGreen
                    analysis: {postPromotion: 1s}
                    keepPrevious: 1m
                  - name: stock
                    version: %s
                    database: shop
                    run: {command: [x]}
                    route: {pathPrefix: /stock}
                    strategy: blueGreen
                    analysis: {postPromotion: 1s}
                    keepPrevious: 1m
                """;
        deploy(two.formatted("1", "1"));
        db.calls.clear();
        db.pendingContract = List.of("db/contract/V9__drop.sql");
        ReleaseRecord r = deploy(two.formatted("2", "2"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> db.calls.contains("contract shop"));
        assertThat(r.outcome()).contains(Outcome.PROMOTED);
        assertThat(db.calls.stream().filter(c -> c.startsWith("expand")).toList()).as("one expand, before wave 1").containsExactly("expand shop");
        assertThat(db.calls.stream().filter(c -> c.startsWith("contract")).toList()).as("one contract, after the release").containsExactly("contract shop");
        assertThat(db.calls).contains("sessions shop [glidepath:orders:1, glidepath:stock:1]");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> steps(events(r)).contains("contract DONE"));
        List<String> order = events(r).stream().map(e -> switch (e) {
            case ReleaseEvent.MigrationChanged m when m.step() == MigrationStep.DONE -> m.phase().word() + " done";
            case ReleaseEvent.WaveChanged w -> "wave " + w.wave() + " " + w.state();
            case ReleaseEvent.Finished f -> "finished";
            default -> "";
        }).filter(x -> !x.isEmpty()).toList();
        assertThat(order).containsSubsequence("wave 1 STARTED", "expand done", "wave 1 DONE", "wave 2 STARTED", "wave 2 DONE", "finished");
        // the previous versions of both services serve users on the expanded schema from wave 1 on: both proven before it
        assertThat(steps(events(r)).stream().filter(x -> x.equals("expand PREVIOUS_PROVEN")).count()).isEqualTo(2);
        assertThat(steps(events(r)).indexOf("expand PREVIOUS_PROVEN")).isLessThan(steps(events(r)).indexOf("started 2"));
    }

    /** A database seam that records what the engine asks and answers as the test sets it. */
    static final class RecordingMigrations implements Migrations {
        final List<String> calls = new CopyOnWriteArrayList<>();
        volatile List<Finding> findings = List.of();
        volatile boolean expandFails;
        volatile List<String> pendingContract = List.of();
        final AtomicInteger sessionsLeft = new AtomicInteger();

        @Override
        public Gate gate(DatabaseSpec d, Path baseDir) {
            calls.add("gate " + d.name());
            return new Gate(findings, "1 pending statement");
        }

        @Override
        public List<Applied> expand(DatabaseSpec d, Path baseDir, Progress progress) throws MigrationSetupException {
            calls.add("expand " + d.name());
            progress.starting("db/expand/V2__sku.sql");
            if (expandFails) {
                throw new MigrationSetupException("V2__sku.sql: lock timeout 6 times");
            }
            Applied a = new Applied("db/expand/V2__sku.sql", "2", 3);
            progress.applied(a);
            return List.of(a);
        }

        @Override
        public List<String> pendingContract(DatabaseSpec d, Path baseDir) {
            calls.add("pendingContract " + d.name());
            return pendingContract;
        }

        @Override
        public List<Applied> contract(DatabaseSpec d, Path baseDir, Progress progress) {
            calls.add("contract " + d.name());
            return pendingContract.stream().map(f -> new Applied(f, "3", 1)).toList();
        }

        @Override
        public int sessions(DatabaseSpec d, Set<String> applicationNames) {
            calls.add("sessions " + d.name() + " " + applicationNames.stream().sorted().toList());
            return Math.max(0, sessionsLeft.getAndDecrement());
        }
    }
}
