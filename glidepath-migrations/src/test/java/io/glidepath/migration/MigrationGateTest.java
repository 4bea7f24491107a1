package io.glidepath.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.glidepath.spec.DatabaseSpec;
import io.glidepath.spec.Location;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gate on a real PostgreSQL: for each static rule a statement that breaks it and the safe way to
 * the same end. The database first holds what an earlier release made (a table with rows, applied
 * with Flyway); the case's migration is then gated, which also tries it on a scratch copy, so each
 * statement is proven to be real SQL that PostgreSQL runs.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class MigrationGateTest {
    static TestPostgres pg;

    static final String SETUP = """
            CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, sku text, note varchar(20), amount int);
            CREATE TABLE customers (id bigint PRIMARY KEY);
            CREATE INDEX orders_customer_idx ON orders (customer_id);
            INSERT INTO customers VALUES (1);
            INSERT INTO orders VALUES (1, 1, 'a', 'n', 5), (2, 1, 'b', 'm', 7);
            """;

    @BeforeAll
    static void postgres(TestPostgres p) {
        pg = p;
    }

    static Stream<Case> rules() {
        return Stream.of(
                new Case(MigrationRule.ADDING_VOLATILE_DEFAULT,
                        "ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT clock_timestamp();",
                        "ALTER TABLE orders ADD COLUMN created timestamptz;\nALTER TABLE orders ALTER COLUMN created SET DEFAULT clock_timestamp();"),
                new Case(MigrationRule.ADDING_REQUIRED_FIELD,
                        "ALTER TABLE orders ADD COLUMN region text NOT NULL;",
                        "ALTER TABLE orders ADD COLUMN region text NOT NULL DEFAULT 'eu';"),
                new Case(MigrationRule.SETTING_NOT_NULL,
                        "ALTER TABLE orders ALTER COLUMN sku SET NOT NULL;",
                        "ALTER TABLE orders ADD CONSTRAINT sku_present CHECK (sku IS NOT NULL) NOT VALID;",
                        "ALTER TABLE orders VALIDATE CONSTRAINT sku_present;\nALTER TABLE orders ALTER COLUMN sku SET NOT NULL;"),
                new Case(MigrationRule.CONSTRAINT_MISSING_NOT_VALID,
                        "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);",
                        "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;",
                        "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;"),
                new Case(MigrationRule.REQUIRE_CONCURRENT_INDEX_CREATION,
                        "CREATE INDEX orders_sku_idx ON orders (sku);",
                        "CREATE INDEX CONCURRENTLY orders_sku_idx ON orders (sku);"),
                new Case(MigrationRule.REQUIRE_CONCURRENT_INDEX_DELETION,
                        "DROP INDEX orders_customer_idx;",
                        "DROP INDEX CONCURRENTLY orders_customer_idx;"),
                new Case(MigrationRule.REQUIRE_CONCURRENT_REINDEX,
                        "REINDEX INDEX orders_customer_idx;",
                        "REINDEX INDEX CONCURRENTLY orders_customer_idx;"),
                new Case(MigrationRule.DISALLOWED_UNIQUE_CONSTRAINT,
                        "ALTER TABLE orders ADD CONSTRAINT orders_sku_key UNIQUE (sku);",
                        "CREATE UNIQUE INDEX CONCURRENTLY orders_sku_key ON orders (sku);",
                        "ALTER TABLE orders ADD CONSTRAINT orders_sku_key UNIQUE USING INDEX orders_sku_key;"),
                new Case(MigrationRule.CHANGING_COLUMN_TYPE,
                        "ALTER TABLE orders ALTER COLUMN amount TYPE bigint;",
                        "ALTER TABLE orders ADD COLUMN amount_big bigint;"),
                new Case(MigrationRule.RENAMING_COLUMN,
                        "ALTER TABLE orders RENAME COLUMN note TO remark;",
                        "ALTER TABLE orders ADD COLUMN remark varchar(20);"),
                new Case(MigrationRule.RENAMING_TABLE,
                        "ALTER TABLE customers RENAME TO clients;",
                        "CREATE VIEW clients AS SELECT * FROM customers;"),
                new Case(MigrationRule.DROPPING_COLUMN,
                        "ALTER TABLE orders DROP COLUMN note;",
                        "COMMENT ON COLUMN orders.note IS 'unused from 2.0; dropped by the contract of 2.1';"),
                new Case(MigrationRule.DROPPING_TABLE,
                        "DROP TABLE customers CASCADE;",
                        "CREATE TABLE customers_archive (id bigint PRIMARY KEY);\nDROP TABLE customers_archive;"),
                new Case(MigrationRule.VACUUM_FULL,
                        "VACUUM FULL orders;",
                        "VACUUM orders;"),
                new Case(MigrationRule.CLUSTER,
                        "CLUSTER orders USING orders_pkey;",
                        "ANALYZE orders;"),
                new Case(MigrationRule.REQUIRE_LOCK_TIMEOUT,
                        "SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN region text;",
                        "SET lock_timeout = '500ms';\nALTER TABLE orders ADD COLUMN region text;"),
                new Case(MigrationRule.CONCURRENTLY_NOT_ALONE,
                        "ALTER TABLE orders ADD COLUMN region text;\nCREATE INDEX CONCURRENTLY orders_region_idx ON orders (region);",
                        "ALTER TABLE orders ADD COLUMN region text;",
                        "CREATE INDEX CONCURRENTLY orders_region_idx ON orders (region);"));
    }

    /** A statement that breaks {@code rule}, and the safe way to the same end (one migration file per element). */
    record Case(MigrationRule rule, String bad, String... good) {
        @Override
        public String toString() {
            return rule.id();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void eachStaticRuleFindsTheBadStatementAndPassesTheSafeWay(Case c, @TempDir Path dir) throws Exception {
        Report bads = gate(dir.resolve("bad"), List.of(c.bad()));
        assertThat(bads.report.blocking()).as(bads.report.findings().toString())
                .anySatisfy(f -> {
                    assertThat(f.rule()).isEqualTo(c.rule());
                    assertThat(f.file()).isEqualTo("db/expand/V2__change.sql");
                    assertThat(f.line()).isBetween(1, c.bad().split("\n").length);
                    assertThat(f.describe()).contains(c.rule().id(), c.rule().why(), c.rule().safeWay());
                });

        Report goods = gate(dir.resolve("good"), List.of(c.good()));
        assertThat(goods.report.findings()).as("the safe way").isEmpty();
        assertThat(goods.report.scratch().orElseThrow().statements()).as("the safe way ran on the scratch copy")
                .isNotEmpty().allSatisfy(r -> assertThat(r.error()).isEmpty());
    }

    @Test
    void theScratchRunCatchesRewritesTheTextDoesNotShow(@TempDir Path dir) throws Exception {
        // a default from the team's own volatile function, and a stored generated column: both rewrite the table
        Report r = gate(dir, List.of("""
                CREATE FUNCTION next_code() RETURNS int VOLATILE LANGUAGE sql AS $$ SELECT (random() * 1000)::int $$;
                ALTER TABLE orders ADD COLUMN code int DEFAULT next_code();
                """, "ALTER TABLE orders ADD COLUMN doubled int GENERATED ALWAYS AS (amount * 2) STORED;"));
        assertThat(r.report.findings()).extracting(Finding::rule, Finding::file, Finding::line).containsExactly(
                org.assertj.core.groups.Tuple.tuple(MigrationRule.TABLE_REWRITE, "db/expand/V2__change.sql", 2),
                org.assertj.core.groups.Tuple.tuple(MigrationRule.TABLE_REWRITE, "db/expand/V3__change.sql", 1));
        assertThat(r.report.findings().get(0).detail()).contains("rewrote public.orders", "ACCESS EXCLUSIVE");
        StatementRun rewrite = r.report.scratch().orElseThrow().statements().get(1);
        assertThat(rewrite.locks()).contains(new StatementRun.TableLock(LockMode.ACCESS_EXCLUSIVE, "public.orders"));
        assertThat(rewrite.accessExclusiveHeld()).isPositive();
        // and the target itself is untouched: the scratch run worked on a copy, which it dropped
        assertThat(columns(r.db)).doesNotContain("code", "doubled");
        assertThat(scratchDatabases()).isZero();
    }

    @Test
    void theScratchRunSeesAWholeTableReadUnderALockThatBlocksWrites(@TempDir Path dir) throws Exception {
        // an exclusion constraint builds its index (reading the whole table) under ACCESS EXCLUSIVE; no static rule covers it
        Report r = gate(dir, List.of("ALTER TABLE orders ADD CONSTRAINT one_note EXCLUDE USING btree (note WITH =);"));
        assertThat(r.report.findings()).extracting(Finding::rule).containsExactly(MigrationRule.SCAN_UNDER_LOCK);
    }

    @Test
    void aStatementThatFailsOnTheScratchCopyBlocks(@TempDir Path dir) throws Exception {
        Report r = gate(dir, List.of("ALTER TABLE orders ADD COLUMN region text;\nALTER TABLE order_lines ADD COLUMN x int;"));
        assertThat(r.report.blocking()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(MigrationRule.FAILS_ON_SCRATCH);
            assertThat(f.line()).isEqualTo(2);
            assertThat(f.detail()).contains("order_lines", "does not exist");
        });
    }

    @Test
    void anAllowedFindingKeepsItsReasonAndDoesNotBlock(@TempDir Path dir) throws Exception {
        String reason = "orders has two rows in this environment; the index builds in milliseconds";
        DatabaseSpec db = MigrationDatabases.fresh(pg, dir, List.of(new DatabaseSpec.Allowance(MigrationRule.REQUIRE_CONCURRENT_INDEX_CREATION,
                "./db/expand/V2__change.sql", OptionalInt.of(1), reason, new Location("release.yaml", 9, 9))));
        MigrationDatabases.write(dir, "db/expand/V1__setup.sql", SETUP);
        MigrationDatabases.applyExpand(db, dir);
        MigrationDatabases.write(dir, "db/expand/V2__change.sql", "CREATE INDEX orders_sku_idx ON orders (sku);");
        MigrationGate.Report r = MigrationGate.check(MigrationDatabases.access(db), dir);
        assertThat(r.blocks()).isFalse();
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(MigrationRule.REQUIRE_CONCURRENT_INDEX_CREATION);
            assertThat(f.allowedBecause()).contains(reason);
        });
        assertThat(r.alreadyApplied()).containsExactly("db/expand/V1__setup.sql");
    }

    @Test
    void renamesAndDropsBelongInContract(@TempDir Path dir) throws Exception {
        DatabaseSpec db = MigrationDatabases.fresh(pg, dir, List.of());
        MigrationDatabases.write(dir, "db/expand/V1__setup.sql", SETUP);
        MigrationDatabases.applyExpand(db, dir);
        MigrationDatabases.write(dir, "db/contract/V2__drop_note.sql", "ALTER TABLE orders DROP COLUMN note;\nDROP TABLE customers CASCADE;");
        MigrationGate.Report r = MigrationGate.check(MigrationDatabases.access(db), dir);
        assertThat(r.findings()).isEmpty();
        assertThat(r.statements()).extracting(StatementLock::phase).containsOnly(MigrationPhase.CONTRACT);
        assertThat(r.statements().get(0).expected()).contains(LockMode.ACCESS_EXCLUSIVE);
    }

    @Test
    void aRoleThatCannotCreateDatabasesIsToldWhatToGrant(@TempDir Path dir) throws Exception {
        DatabaseSpec db = MigrationDatabases.fresh(pg, dir, List.of());
        pg.superuser("ALTER ROLE " + TestPostgres.USER + " NOCREATEDB");
        try {
            MigrationDatabases.write(dir, "db/expand/V1__setup.sql", SETUP);
            assertThatThrownBy(() -> MigrationGate.check(MigrationDatabases.access(db), dir))
                    .isInstanceOf(MigrationSetupException.class)
                    .hasMessageContaining("CREATEDB")
                    .hasMessageNotContaining(TestPostgres.PASSWORD);
        } finally {
            pg.superuser("ALTER ROLE " + TestPostgres.USER + " CREATEDB");
        }
    }

    private record Report(DatabaseSpec db, MigrationGate.Report report) {
    }

    /** A fresh database holding SETUP (applied with Flyway as V1), and the gate's report on {@code migrations} as V2, V3, ... */
    private static Report gate(Path dir, List<String> migrations) throws Exception {
        DatabaseSpec db = MigrationDatabases.fresh(pg, dir, List.of());
        MigrationDatabases.write(dir, "db/expand/V1__setup.sql", SETUP);
        MigrationDatabases.applyExpand(db, dir);
        for (int i = 0; i < migrations.size(); i++) {
            MigrationDatabases.write(dir, "db/expand/V" + (i + 2) + "__change.sql", migrations.get(i));
            if (migrations.get(i).contains("CONCURRENTLY")) {
                // as users must for what Flyway cannot tell runs outside a transaction (REINDEX CONCURRENTLY)
                MigrationDatabases.write(dir, "db/expand/V" + (i + 2) + "__change.sql.conf", "executeInTransaction=false\n");
            }
        }
        return new Report(db, MigrationGate.check(MigrationDatabases.access(db), dir));
    }

    private static List<String> columns(DatabaseSpec db) throws Exception {
        try (Connection c = MigrationDatabases.access(db).connect("test"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private static long scratchDatabases() throws Exception {
        try (Connection c = pg.pg().getPostgresDatabase().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_database WHERE datname LIKE 'glidepath_scratch_%'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
