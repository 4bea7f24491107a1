package io.glidepath.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.journal.ReleaseEvent;
import io.glidepath.platform.Instance;
import io.glidepath.route.EndpointAddress;
import io.glidepath.server.access.AuditEntry;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.TokenRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.journal.StoredEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The store contract on SQLite, and SQLite's own: stores made before Flyway keep their rows. */
class SqliteStoreTest extends StoreContractTest {
    @TempDir
    Path dir;
    int stores;

    @Override
    StoreUrl newStore() {
        return StoreUrl.sqlite(dir.resolve("store-" + ++stores).resolve("glidepath.db"));
    }

    /** The schema the store made before Flyway, version by version, as it kept it (PRAGMA user_version). */
    private static final List<String> PRE_FLYWAY_SCHEMA = List.of("""
            CREATE TABLE releases (id TEXT PRIMARY KEY, file TEXT NOT NULL, source TEXT NOT NULL, base_dir TEXT NOT NULL,
              services TEXT NOT NULL, submitted_by TEXT NOT NULL, submitted TEXT NOT NULL, outcome TEXT, reason TEXT, finished TEXT);
            CREATE TABLE events (release_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, json TEXT NOT NULL,
              PRIMARY KEY (release_id, seq));
            CREATE TABLE services (name TEXT PRIMARY KEY, current_version TEXT NOT NULL, previous_version TEXT, last_release TEXT NOT NULL,
              updated TEXT NOT NULL);
            CREATE TABLE locks (service TEXT PRIMARY KEY, release_id TEXT NOT NULL);
            CREATE TABLE instances (id TEXT PRIMARY KEY, service TEXT NOT NULL, version TEXT NOT NULL, address TEXT NOT NULL,
              pid INTEGER NOT NULL, process_start TEXT NOT NULL, log TEXT NOT NULL, started_at TEXT NOT NULL);
            """, """
            CREATE TABLE tokens (name TEXT PRIMARY KEY, role TEXT NOT NULL, digest TEXT NOT NULL, created TEXT NOT NULL, created_by TEXT NOT NULL,
              revoked TEXT);
            CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, token TEXT NOT NULL, user_name TEXT, action TEXT NOT NULL,
              target TEXT, status INTEGER NOT NULL, result TEXT NOT NULL, remote TEXT);
            """);

    /** Makes a store the way the code before Flyway did, up to {@code version}, with a row in each of its tables. */
    private static void preFlywayStore(Path file, int version) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.execute("PRAGMA journal_mode=WAL");
            for (int v = 0; v < version; v++) {
                c.setAutoCommit(false);
                for (String sql : PRE_FLYWAY_SCHEMA.get(v).split(";")) {
                    if (!sql.isBlank()) {
                        st.execute(sql);
                    }
                }
                st.execute("PRAGMA user_version = " + (v + 1));
                c.commit();
                c.setAutoCommit(true);
            }
            st.execute("INSERT INTO releases VALUES ('shop-1', 'shop.yaml', 'services: []', '/srv', '[\"catalog\"]', 'alice', '2026-11-27T10:00:00Z', "
                    + "'PROMOTED', NULL, '2026-11-27T10:01:00Z')");
            st.execute("INSERT INTO events VALUES ('shop-1', 1, '2026-11-27T10:00:00Z', '{\"kind\":\"note\",\"at\":\"2026-11-27T10:00:00Z\","
                    + "\"message\":\"kept\"}')");
            st.execute("INSERT INTO services VALUES ('catalog', '2', '1', 'shop-1', '2026-11-27T10:01:00Z')");
            st.execute("INSERT INTO locks VALUES ('pricing', 'shop-2')");
            st.execute("INSERT INTO instances VALUES ('catalog-2-a', 'catalog', '2', '127.0.0.1:4001', 77, '2026-11-27T10:00:00Z', '/l/a.log', "
                    + "'2026-11-27T10:00:00Z')");
            if (version >= 2) {
                st.execute("INSERT INTO tokens VALUES ('ci-bot', 'DEPLOYER', 'ab12', '2026-11-27T09:00:00Z', 'server.token', NULL)");
                st.execute("INSERT INTO audit (at, token, user_name, action, target, status, result, remote) VALUES ('2026-11-27T09:00:00Z', "
                        + "'server.token', 'alice', 'token.create', 'ci-bot', 201, 'created', '127.0.0.1')");
            }
        }
    }

    @ParameterizedTest(name = "user_version {0}")
    @ValueSource(ints = {1, 2})
    void aStoreMadeBeforeFlywayIsBaselinedAtItsVersionAndKeepsItsRows(int version) throws Exception {
        Path file = dir.resolve("old").resolve("glidepath.db");
        Files.createDirectories(file.getParent());
        preFlywayStore(file, version);

        try (JdbcStore s = JdbcStore.sqlite(file)) {
            assertThat(s.release("shop-1").orElseThrow().services()).containsExactly("catalog");
            assertThat(s.events("shop-1", 0)).extracting(e -> e.event().message()).containsExactly("kept");
            assertThat(s.append("shop-1", new ReleaseEvent.Note(StoreContractTest.T, null, "after"))).as("the journal goes on").isEqualTo(2);
            assertThat(s.service("catalog")).contains(new ServiceRecord("catalog", "2", Optional.of("1"), "shop-1",
                    java.time.Instant.parse("2026-11-27T10:01:00Z")));
            assertThat(s.holder("pricing")).contains("shop-2");
            assertThat(s.instances()).extracting(Instance::id, Instance::pid, Instance::address)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("catalog-2-a", 77L, new EndpointAddress("127.0.0.1", 4001)));
            // V2's tables: kept when they were there, made when they were not
            assertThat(s.tokens()).extracting(TokenRecord::name).containsExactlyElementsOf(version >= 2 ? List.of("ci-bot") : List.of());
            s.createToken(new TokenRecord("dash", Role.VIEWER, "cd34", StoreContractTest.T, "ops", Optional.empty()));
            s.appendAudit(new AuditEntry(StoreContractTest.T, "dash", null, "release.abort", "shop-1", 202, "ROLLING_BACK", null));
            assertThat(s.audit(10)).extracting(AuditEntry::action)
                    .containsExactlyElementsOf(version >= 2 ? List.of("release.abort", "token.create") : List.of("release.abort"));
        }
        assertThat(history(file)).containsExactlyElementsOf(version == 1
                ? List.of("1 BASELINE schema made before Flyway (user_version 1)", "2 SQL tokens and audit", "3 SQL release attachments")
                : List.of("2 BASELINE schema made before Flyway (user_version 2)", "3 SQL release attachments"));

        try (JdbcStore s = JdbcStore.sqlite(file)) {
            assertThat(s.events("shop-1", 0)).extracting(StoredEvent::seq).as("opened again: nothing re-applied").containsExactly(1L, 2L);
        }
        assertThat(history(file)).hasSize(version == 1 ? 3 : 2);
    }

    @Test
    void aNewStoreGetsEveryMigration() throws Exception {
        Path file = dir.resolve("new").resolve("glidepath.db");
        JdbcStore.sqlite(file).close();
        assertThat(history(file)).containsExactly("1 SQL releases journal services locks instances", "2 SQL tokens and audit",
                "3 SQL release attachments");
    }

    @Test
    void aFileThatIsNotADatabaseStopsTheOpenWithItsName() throws Exception {
        Path file = dir.resolve("junk.db");
        Files.writeString(file, "this is not a SQLite database, it is a text file that is long enough to have a header");
        assertThatThrownBy(() -> JdbcStore.sqlite(file)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot open the store jdbc:sqlite:" + file.toAbsolutePath());
        assertThat(Files.readString(file)).as("left as it was").startsWith("this is not");
    }

    /** Flyway's history of {@code file}: version, type and description of each row. */
    private static List<String> history(Path file) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, type, description FROM flyway_schema_history ORDER BY installed_rank")) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
            return rows;
        }
    }
}
