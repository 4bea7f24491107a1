package io.glidepath.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.spec.DatabaseSpec;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Expand and contract with Flyway on a real PostgreSQL: one history, timeouts on every statement, retries, and what a failure leaves. */
@ExtendWith(EmbeddedPostgresExtension.class)
class FlywayMigrationsTest {
    static TestPostgres pg;
    final FlywayMigrations migrations = new FlywayMigrations(Map.of(MigrationDatabases.PASSWORD_ENV, TestPostgres.PASSWORD));
    final List<String> said = new CopyOnWriteArrayList<>();
    final Migrations.Progress progress = new Migrations.Progress() {
        @Override
        public void starting(String file) {
            said.add("starting " + file);
        }

        @Override
        public void applied(Migrations.Applied m) {
            said.add("applied " + m.file() + " v" + m.version());
        }

        @Override
        public void retrying(String file, String why, long inMillis, int attempt, int of) {
            said.add("retrying " + file + ": " + why);
        }
    };

    @BeforeAll
    static void postgres(TestPostgres p) {
        pg = p;
    }

    @Test
    void expandAndContractShareOneHistoryAndContractRunsOutOfOrder(@TempDir Path dir) throws Exception {
        DatabaseSpec db = MigrationDatabases.fresh(pg, dir, List.of());
        MigrationDatabases.write(dir, "db/expand/V1__items.sql", "CREATE TABLE items (id bigint PRIMARY KEY, code text);");
        MigrationDatabases.write(dir, "db/expand/V2__sku.sql", "ALTER TABLE items ADD COLUMN sku text;");
        MigrationDatabases.write(dir, "db/contract/V3__drop_code.sql", "ALTER TABLE items DROP COLUMN code;");
        MigrationDatabases.write(dir, "db/expand/V4__note.sql", "ALTER TABLE items ADD COLUMN note text;");

        assertThat(migrations.expand(db, dir, progress)).extracting(Migrations.Applied::file)
                .containsExactly("db/expand/V1__items.sql", "db/expand/V2__sku.sql", "db/expand/V4__note.sql");
        assertThat(columns(db)).containsExactly("id", "code", "sku", "note");
        assertThat(migrations.pendingContract(db, dir)).containsExactly("db/contract/V3__drop_code.sql");
        assertThat(migrations.expand(db, dir, progress)).as("nothing left to expand").isEmpty();

        assertThat(migrations.contract(db, dir, progress)).extracting(Migrations.Applied::file, Migrations.Applied::version)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("db/contract/V3__drop_code.sql", "3"));
        assertThat(columns(db)).containsExactly("id", "sku", "note");
        assertThat(migrations.pendingContract(db, dir)).isEmpty();
        assertThat(history(db)).containsExactly("1:true", "2:true", "4:true", "3:true");
        assertThat(said).contains("starting db/expand/V2__sku.sql", "applied db/contract/V3__drop_code.sql v3");
    }

    @Test
    void aMigrationWaitingForALockGivesUpAfterTheLockTimeoutAndIsRetriedUntilTheLockIsGone(@TempDir Path dir) throws Exception {
        DatabaseSpec db = withLockTimeout(MigrationDatabases.fresh(pg, dir, List.of()), Duration.ofMillis(100));
        MigrationDatabases.write(dir, "db/expand/V1__items.sql", "CREATE TABLE items (id bigint PRIMARY KEY);");
        migrations.expand(db, dir, progress);
        MigrationDatabases.write(dir, "db/expand/V2__sku.sql", "ALTER TABLE items ADD COLUMN sku text;");
        try (Connection holder = MigrationDatabases.access(db).connect("a-long-report")) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT count(*) FROM items"); // ACCESS SHARE, held until the transaction ends
            }
            Thread release = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(700);
                    holder.rollback();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            assertThat(migrations.expand(db, dir, progress)).extracting(Migrations.Applied::file).containsExactly("db/expand/V2__sku.sql");
            release.join();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
        }
        assertThat(said).anySatisfy(s -> assertThat(s).startsWith("retrying db/expand/V2__sku.sql: lock timeout after 100 ms"));
        assertThat(columns(db)).contains("sku");
    }

    @Test
    void aLockThatStaysFailsTheMigrationNamingItsFileAndLeavesTheSchemaAsItWas(@TempDir Path dir) throws Exception {
        DatabaseSpec db = withLockTimeout(MigrationDatabases.fresh(pg, dir, List.of()), Duration.ofMillis(50));
        MigrationDatabases.write(dir, "db/expand/V1__items.sql", "CREATE TABLE items (id bigint PRIMARY KEY);");
        migrations.expand(db, dir, progress);
        MigrationDatabases.write(dir, "db/expand/V2__sku.sql", "ALTER TABLE items ADD COLUMN sku text;");
        try (Connection holder = MigrationDatabases.access(db).connect("a-stuck-transaction")) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("LOCK TABLE items IN ACCESS SHARE MODE");
            }
            assertThatThrownBy(() -> migrations.expand(db, dir, progress))
                    .isInstanceOf(MigrationSetupException.class)
                    .hasMessageContaining("db/expand/V2__sku.sql failed " + FlywayMigrations.ATTEMPTS + " times on its lock timeout (50 ms)")
                    .hasMessageNotContaining(TestPostgres.PASSWORD);
        }
        assertThat(columns(db)).doesNotContain("sku");
        assertThat(history(db)).containsExactly("1:true");
    }

    @Test
    void aFailedConcurrentIndexLeavesAnInvalidIndexThatIsDroppedBeforeTheNextTry(@TempDir Path dir) throws Exception {
        DatabaseSpec db = MigrationDatabases.fresh(pg, dir, List.of());
        MigrationDatabases.write(dir, "db/expand/V1__items.sql", "CREATE TABLE items (id bigint PRIMARY KEY, sku text);\n"
                + "INSERT INTO items VALUES (1, 'a'), (2, 'a');");
        migrations.expand(db, dir, progress);
        MigrationDatabases.write(dir, "db/expand/V2__sku_key.sql", "CREATE UNIQUE INDEX CONCURRENTLY items_sku_key ON items (sku);");
        assertThatThrownBy(() -> migrations.expand(db, dir, progress)).isInstanceOf(MigrationSetupException.class)
                .hasMessageContaining("db/expand/V2__sku_key.sql failed").hasMessageContaining("duplicate");
        assertThat(invalidIndexes(db)).containsExactly("items_sku_key");
        assertThat(history(db)).containsExactly("1:true", "2:false");

        // the duplicate fixed, the next run repairs Flyway's failed row, drops the invalid index and builds it again
        try (Connection c = MigrationDatabases.access(db).connect("fix"); Statement st = c.createStatement()) {
            st.execute("UPDATE items SET sku = 'b' WHERE id = 2");
        }
        assertThat(migrations.expand(db, dir, progress)).extracting(Migrations.Applied::file).containsExactly("db/expand/V2__sku_key.sql");
        assertThat(invalidIndexes(db)).isEmpty();
        assertThat(history(db)).containsExactly("1:true", "2:true");
        assertThat(said).contains("retrying db/expand/V2__sku_key.sql: dropped the invalid index items_sku_key an unfinished CREATE INDEX "
                + "CONCURRENTLY left");
    }

    @Test
    void sessionsCountsWhoIsConnectedUnderAnApplicationName(@TempDir Path dir) throws Exception {
        DatabaseSpec db = MigrationDatabases.fresh(pg, dir, List.of());
        String name = Migrations.applicationName("inventory", "1.4.0");
        assertThat(name).isEqualTo("glidepath:inventory:1.4.0");
        assertThat(migrations.sessions(db, Set.of(name))).isZero();
        try (Connection c = MigrationDatabases.access(db).connect(name)) {
            assertThat(migrations.sessions(db, Set.of(name, "someone-else"))).isEqualTo(1);
        }
        assertThat(migrations.sessions(db, Set.of(name))).isZero();
    }

    private static DatabaseSpec withLockTimeout(DatabaseSpec db, Duration lock) {
        return new DatabaseSpec(db.name(), db.url(), db.passwordEnv(), db.expand(), db.contract(), lock, db.statementTimeout(), db.allow(), db.location());
    }

    private static List<String> columns(DatabaseSpec db) throws Exception {
        return strings(db, "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position");
    }

    private static List<String> history(DatabaseSpec db) throws Exception {
        return strings(db, "SELECT version || ':' || success FROM flyway_schema_history ORDER BY installed_rank");
    }

    private static List<String> invalidIndexes(DatabaseSpec db) throws Exception {
        return strings(db, "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid");
    }

    private static List<String> strings(DatabaseSpec db, String sql) throws Exception {
        try (Connection c = MigrationDatabases.access(db).connect("test"); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
