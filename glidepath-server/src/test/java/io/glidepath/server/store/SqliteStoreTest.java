package io.glidepath.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.engine.Outcome;
import io.glidepath.engine.Phase;
import io.glidepath.engine.ReleaseEvent;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.server.access.AuditEntry;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.TokenRecord;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {
    @TempDir
    Path dir;
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");

    ReleaseRecord release(String id, Instant at) {
        return new ReleaseRecord(id, "shop.yaml", "services: []", "/srv", List.of("catalog", "pricing"), "alice", at,
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void keepsReleasesTheirJournalsServicesLocksAndInstancesAcrossReopening() {
        Instance inst = new Instance("catalog-2-abc", "catalog", "2", new EndpointAddress("127.0.0.1", 4001), 1234, T, Path.of("/l/x.log"), T);
        try (SqliteStore s = SqliteStore.open(dir.resolve("g.db"))) {
            s.createRelease(release("r1", T));
            s.createRelease(release("r2", T.plusSeconds(5)));
            assertThat(s.append("r1", new ReleaseEvent.PhaseChanged(T, "catalog", "starting", Phase.STARTING, "2"))).isEqualTo(1);
            assertThat(s.append("r1", new ReleaseEvent.Finished(T, null, "done", Outcome.PROMOTED))).isEqualTo(2);
            assertThat(s.append("r2", new ReleaseEvent.Note(T, null, "other"))).isEqualTo(1);
            s.updateRelease(release("r1", T).finish(Outcome.PROMOTED, null, T.plusSeconds(60)));
            s.saveService(new ServiceRecord("catalog", "2", Optional.of("1"), "r1", T));
            assertThat(s.lock(List.of("catalog"), "r2")).isEmpty();
            assertThat(s.lock(List.of("pricing", "catalog"), "r3")).contains("r2");
            assertThat(s.holder("pricing")).as("all or nothing").isEmpty();
            s.save(inst);
        }
        try (SqliteStore s = SqliteStore.open(dir.resolve("g.db"))) {
            assertThat(s.releases(10)).extracting(ReleaseRecord::id).containsExactly("r2", "r1");
            ReleaseRecord r1 = s.release("r1").orElseThrow();
            assertThat(r1.outcome()).contains(Outcome.PROMOTED);
            assertThat(r1.finished()).contains(T.plusSeconds(60));
            assertThat(r1.services()).containsExactly("catalog", "pricing");
            assertThat(s.events("r1", 0)).extracting(e -> e.event().message()).containsExactly("starting", "done");
            assertThat(s.events("r1", 1)).extracting(e -> e.seq()).containsExactly(2L);
            assertThat(s.service("catalog").orElseThrow().previousVersion()).contains("1");
            assertThat(s.holder("catalog")).contains("r2");
            s.unlock(List.of("catalog"), "r3");
            assertThat(s.holder("catalog")).as("only the holder unlocks").contains("r2");
            s.unlock(List.of("catalog"), "r2");
            assertThat(s.holder("catalog")).isEmpty();
            assertThat(s.instances()).containsExactly(inst);
            s.remove(inst.id());
            assertThat(s.instances()).isEmpty();
        }
    }

    @Test
    void keepsTokenDigestsAndTheAuditLogAcrossReopening() {
        try (SqliteStore s = SqliteStore.open(dir.resolve("g.db"))) {
            assertThat(s.createToken(new TokenRecord("ci-bot", Role.DEPLOYER, "ab12", T, "server.token", Optional.empty()))).isTrue();
            assertThat(s.createToken(new TokenRecord("ci-bot", Role.ADMIN, "cd34", T, "server.token", Optional.empty()))).as("names are unique").isFalse();
            s.createToken(new TokenRecord("dash", Role.VIEWER, "ef56", T.plusSeconds(1), "ops", Optional.empty()));
            assertThat(s.revokeToken("dash", T.plusSeconds(5))).isTrue();
            assertThat(s.revokeToken("dash", T.plusSeconds(6))).as("already revoked").isFalse();
            assertThat(s.revokeToken("ghost", T)).isFalse();
            s.appendAudit(new AuditEntry(T, "ci-bot", "alice", "release.submit", "shop-1", 202, "RUNNING", "127.0.0.1"));
            s.appendAudit(new AuditEntry(T.plusSeconds(1), "-", null, "unauthenticated", "POST /v1/releases", 401, "missing token", null));
        }
        try (SqliteStore s = SqliteStore.open(dir.resolve("g.db"))) {
            assertThat(s.tokens()).containsExactly(
                    new TokenRecord("ci-bot", Role.DEPLOYER, "ab12", T, "server.token", Optional.empty()),
                    new TokenRecord("dash", Role.VIEWER, "ef56", T.plusSeconds(1), "ops", Optional.of(T.plusSeconds(5))));
            assertThat(s.audit(10)).containsExactly(
                    new AuditEntry(T.plusSeconds(1), "-", null, "unauthenticated", "POST /v1/releases", 401, "missing token", null),
                    new AuditEntry(T, "ci-bot", "alice", "release.submit", "shop-1", 202, "RUNNING", "127.0.0.1"));
            assertThat(s.audit(1)).hasSize(1);
        }
    }
}
