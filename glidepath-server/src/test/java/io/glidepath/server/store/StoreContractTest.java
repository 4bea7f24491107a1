package io.glidepath.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.Phase;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.server.access.AuditEntry;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.TokenRecord;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.journal.StoredEvent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every store must do, whatever database it is on: each subclass runs these against its own
 * ({@link SqliteStoreTest}, {@link PostgresStoreTest}). Races are between two store objects (two
 * connections), as between two server processes sharing one database.
 */
abstract class StoreContractTest {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");

    /** A new, empty store's URL; opening the same URL again opens the same store. */
    abstract StoreUrl newStore() throws Exception;

    StoreUrl url;

    @BeforeEach
    void fresh() throws Exception {
        url = newStore();
    }

    JdbcStore open() {
        return JdbcStore.open(url);
    }

    static ReleaseRecord release(String id, Instant at) {
        return new ReleaseRecord(id, "shop.yaml", "services: []", "/srv", List.of("catalog", "pricing"), "alice", at,
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void keepsReleasesTheirJournalsServicesLocksAndInstancesAcrossReopening() {
        Instance inst = new Instance("catalog-2-abc", "catalog", "2", new EndpointAddress("127.0.0.1", 4001), 1234, T, Path.of("/l/x.log"), T);
        try (JdbcStore s = open()) {
            s.createRelease(release("r1", T));
            ReleaseRecord r2 = release("r2", T.plusSeconds(5));
            s.createRelease(new ReleaseRecord(r2.id(), r2.file(), r2.source(), r2.baseDir(), r2.services(), r2.submittedBy(), r2.submitted(),
                    r2.outcome(), r2.reason(), r2.finished(), Map.of("customers.yaml", "customers:\n  - {name: c01, host: c01.example.test}\n")));
            assertThat(s.append("r1", new ReleaseEvent.PhaseChanged(T, "catalog", "starting", Phase.STARTING, "2"))).isEqualTo(1);
            assertThat(s.append("r1", new ReleaseEvent.Finished(T, null, "done", Outcome.PROMOTED, null, null))).isEqualTo(2);
            assertThat(s.append("r2", new ReleaseEvent.Note(T, null, "other"))).isEqualTo(1);
            s.updateRelease(release("r1", T).finish(Outcome.PROMOTED, null, T.plusSeconds(60)));
            s.saveService(new ServiceRecord("catalog", "1", Optional.empty(), "r0", T));
            s.saveService(new ServiceRecord("catalog", "2", Optional.of("1"), "r1", T.plusSeconds(60)));
            s.saveService(new ServiceRecord("auth", "7", Optional.empty(), "r0", T));
            assertThat(s.lock(List.of("catalog"), "r2")).isEmpty();
            assertThat(s.lock(List.of("catalog"), "r2")).as("a holder takes its own lock again").isEmpty();
            assertThat(s.lock(List.of("pricing", "catalog"), "r3")).contains("r2");
            assertThat(s.holder("pricing")).as("all or nothing").isEmpty();
            s.save(new Instance(inst.id(), "catalog", "2", new EndpointAddress("127.0.0.1", 4999), 99, T, Path.of("/l/old.log"), T));
            s.save(inst);
        }
        try (JdbcStore s = open()) {
            assertThat(s.releases(10)).extracting(ReleaseRecord::id).containsExactly("r2", "r1");
            assertThat(s.releases(1)).extracting(ReleaseRecord::id).containsExactly("r2");
            ReleaseRecord r1 = s.release("r1").orElseThrow();
            assertThat(r1.outcome()).contains(Outcome.PROMOTED);
            assertThat(r1.finished()).contains(T.plusSeconds(60));
            assertThat(r1.services()).containsExactly("catalog", "pricing");
            assertThat(r1.attachments()).isEmpty();
            assertThat(s.release("r2").orElseThrow().attachments()).as("a fleet file as read at submission")
                    .containsExactly(Map.entry("customers.yaml", "customers:\n  - {name: c01, host: c01.example.test}\n"));
            assertThat(s.release("nope")).isEmpty();
            assertThat(s.events("r1", 0)).extracting(e -> e.event().message()).containsExactly("starting", "done");
            assertThat(s.events("r1", 1)).extracting(StoredEvent::seq).containsExactly(2L);
            assertThat(s.services()).containsExactly(new ServiceRecord("auth", "7", Optional.empty(), "r0", T),
                    new ServiceRecord("catalog", "2", Optional.of("1"), "r1", T.plusSeconds(60)));
            assertThat(s.holder("catalog")).contains("r2");
            s.unlock(List.of("catalog"), "r3");
            assertThat(s.holder("catalog")).as("only the holder unlocks").contains("r2");
            s.unlock(List.of("catalog"), "r2");
            assertThat(s.holder("catalog")).isEmpty();
            assertThat(s.instances()).as("saving an instance again replaces it").containsExactly(inst);
            s.remove(inst.id());
            assertThat(s.instances()).isEmpty();
        }
    }

    @Test
    void releasesSubmittedAtTheSameInstantComeNewestInsertedFirst() {
        try (JdbcStore s = open()) {
            s.createRelease(release("b-first", T));
            s.createRelease(release("a-second", T));
            s.createRelease(release("c-third", T));
            assertThat(s.releases(10)).extracting(ReleaseRecord::id).containsExactly("c-third", "a-second", "b-first");
        }
    }

    @Test
    void keepsTokenDigestsAndTheAuditLogAcrossReopening() {
        try (JdbcStore s = open()) {
            assertThat(s.createToken(new TokenRecord("ci-bot", Role.DEPLOYER, "ab12", T, "server.token", Optional.empty()))).isTrue();
            assertThat(s.createToken(new TokenRecord("ci-bot", Role.ADMIN, "cd34", T, "server.token", Optional.empty()))).as("names are unique").isFalse();
            s.createToken(new TokenRecord("dash", Role.VIEWER, "ef56", T.plusSeconds(1), "ops", Optional.empty()));
            assertThat(s.revokeToken("dash", T.plusSeconds(5))).isTrue();
            assertThat(s.revokeToken("dash", T.plusSeconds(6))).as("already revoked").isFalse();
            assertThat(s.revokeToken("ghost", T)).isFalse();
            s.appendAudit(new AuditEntry(T, "ci-bot", "alice", "release.submit", "shop-1", 202, "RUNNING", "127.0.0.1"));
            s.appendAudit(new AuditEntry(T.plusSeconds(1), "-", null, "unauthenticated", "POST /v1/releases", 401, "missing token", null));
        }
        try (JdbcStore s = open()) {
            assertThat(s.tokens()).containsExactly(
                    new TokenRecord("ci-bot", Role.DEPLOYER, "ab12", T, "server.token", Optional.empty()),
                    new TokenRecord("dash", Role.VIEWER, "ef56", T.plusSeconds(1), "ops", Optional.of(T.plusSeconds(5))));
            assertThat(s.audit(10)).containsExactly(
                    new AuditEntry(T.plusSeconds(1), "-", null, "unauthenticated", "POST /v1/releases", 401, "missing token", null),
                    new AuditEntry(T, "ci-bot", "alice", "release.submit", "shop-1", 202, "RUNNING", "127.0.0.1"));
            assertThat(s.audit(1)).hasSize(1);
        }
    }

    @Test
    void ofTwoServersRacingForTheSameServicesExactlyOneGetsThemAll() throws Exception {
        int rounds = 25;
        try (JdbcStore one = open(); JdbcStore two = open(); ExecutorService threads = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < rounds; round++) {
                int i = round;
                // the same services named in opposite orders, plus one each of its own: a store that locked in the order given
                // could deadlock here, and one that was not all-or-none would leave the loser holding its own service
                List<String> a = List.of("catalog-" + i, "pricing-" + i, "a-only-" + i);
                List<String> b = List.of("b-only-" + i, "pricing-" + i, "catalog-" + i);
                CyclicBarrier together = new CyclicBarrier(2);
                Future<Optional<String>> byA = threads.submit(() -> {
                    together.await();
                    return one.lock(a, "a" + i);
                });
                Future<Optional<String>> byB = threads.submit(() -> {
                    together.await();
                    return two.lock(b, "b" + i);
                });
                Optional<String> refusedA = byA.get();
                Optional<String> refusedB = byB.get();
                assertThat(refusedA.isEmpty() ^ refusedB.isEmpty()).as("round %d: exactly one wins (a refused by %s, b by %s)", i, refusedA, refusedB)
                        .isTrue();
                String winner = refusedA.isEmpty() ? "a" + i : "b" + i;
                String loser = refusedA.isEmpty() ? "b" + i : "a" + i;
                assertThat(refusedA.isEmpty() ? refusedB : refusedA).as("the loser is told who holds them").contains(winner);
                for (String service : refusedA.isEmpty() ? a : b) {
                    assertThat(one.holder(service)).contains(winner);
                }
                for (String service : refusedA.isEmpty() ? b : a) {
                    assertThat(two.holder(service)).as("round %d: %s holds nothing", i, loser).isNotEqualTo(Optional.of(loser));
                }
            }
        }
    }

    @Test
    void appendsFromManyThreadsOnTwoServersNumberTheJournalWithoutGapsOrDuplicates() throws Exception {
        int threadsPerStore = 4;
        int appendsPerThread = 25;
        try (JdbcStore one = open(); JdbcStore two = open(); ExecutorService threads = Executors.newFixedThreadPool(2 * threadsPerStore)) {
            one.createRelease(release("busy", T));
            CyclicBarrier together = new CyclicBarrier(2 * threadsPerStore);
            List<Future<List<Long>>> numbers = new ArrayList<>();
            for (int t = 0; t < 2 * threadsPerStore; t++) {
                JdbcStore store = t % 2 == 0 ? one : two;
                String writer = "w" + t;
                numbers.add(threads.submit(() -> {
                    together.await();
                    List<Long> mine = new ArrayList<>();
                    for (int n = 0; n < appendsPerThread; n++) {
                        mine.add(store.append("busy", new ReleaseEvent.Note(T, null, writer + "-" + n)));
                    }
                    return mine;
                }));
            }
            List<Long> returned = new ArrayList<>();
            for (Future<List<Long>> f : numbers) {
                List<Long> mine = f.get();
                assertThat(mine).as("one writer's numbers rise").isSorted();
                returned.addAll(mine);
            }
            int total = 2 * threadsPerStore * appendsPerThread;
            assertThat(returned).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
            List<StoredEvent> journal = two.events("busy", 0);
            assertThat(journal).extracting(StoredEvent::seq).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
            assertThat(journal).extracting(e -> e.event().message()).doesNotHaveDuplicates().hasSize(total);
        }
    }
}
