package io.glidepath.bench;

import io.glidepath.examples.InventoryExample;
import io.glidepath.migration.FlywayMigrations;
import io.glidepath.migration.Migrations;
import io.glidepath.spec.DatabaseSpec;
import io.glidepath.spec.Location;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.flywaydb.core.Flyway;

/**
 * A busy table during a schema change, done two ways in the same run on the same PostgreSQL (started
 * from the jar): renaming {@code items.qty} to {@code quantity} and indexing {@code sku} on a table of
 * ROWS rows (default 1,000,000) while WRITERS connections (default 8) update random rows at RATE writes/s
 * in total (default 2,000), each write failing after 5 s (a request timeout).
 * <ul>
 *   <li><b>glidepath</b>: examples/inventory's own expand/contract (v2) through Glidepath's migration runner
 *       (new column and sync trigger, batched backfill committing every 1,000 rows), plus the index as
 *       CREATE INDEX CONCURRENTLY; lock_timeout 1 s with retries; the writers move to the new column,
 *       then the contract (drop the trigger and the old column).</li>
 *   <li><b>naive</b>: the same change as plain statements in one Flyway migration, as often written:
 *       ADD COLUMN, one UPDATE of every row, SET NOT NULL, CREATE INDEX, DROP COLUMN; the writers move
 *       to the new column when it is done (the new code deployed after the migration).</li>
 * </ul>
 * Prints, per approach, the writes during the change (from its start until the writers run on the new
 * column and the migrations are done), failed writes, and write latency p50, p99 and max, beside the same
 * writers' figures before the change. Latency counts from when a write was due, so a writer held up by a
 * lock counts its whole wait, and the writes it could not send meanwhile (no coordinated omission).
 */
public final class MigrationBench {
    static final int ROWS = Integer.parseInt(System.getenv().getOrDefault("ROWS", "1000000"));
    static final int WRITERS = Integer.parseInt(System.getenv().getOrDefault("WRITERS", "8"));
    static final int RATE = Integer.parseInt(System.getenv().getOrDefault("RATE", "2000"));
    static final Duration BASELINE = Duration.ofSeconds(5);

    record Figures(String what, long writes, long failed, double p50, double p99, double max, Duration took) {
    }

    public static void main(String[] args) throws Exception {
        // Flyway's progress lines would drown the figures (a test jar on this classpath brings an INFO configuration)
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.flywaydb")).setLevel(ch.qos.logback.classic.Level.WARN);
        List<Figures> out = new ArrayList<>();
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "100").start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE ROLE bench LOGIN CREATEDB");
            }
            String version;
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
                 var rs = st.executeQuery("SHOW server_version")) {
                rs.next();
                version = rs.getString(1);
            }
            System.out.printf(Locale.ROOT, "PostgreSQL %s (embedded), %,d rows, %d writers, %,d writes/s, a write fails after 5 s%n%n", version, ROWS,
                    WRITERS, RATE);
            out.addAll(approach(pg, "glidepath"));
            out.addAll(approach(pg, "naive"));
        }
        System.out.printf(Locale.ROOT, "%n%-34s %9s %7s %9s %9s %10s %9s%n", "", "writes", "failed", "p50 ms", "p99 ms", "max ms", "took s");
        for (Figures f : out) {
            System.out.printf(Locale.ROOT, "%-34s %,9d %7d %9.2f %9.2f %10.1f %9.1f%n", f.what(), f.writes(), f.failed(), f.p50(), f.p99(), f.max(),
                    f.took().toMillis() / 1000.0);
        }
    }

    private static List<Figures> approach(EmbeddedPostgres pg, String name) throws Exception {
        String db = "bench_" + name;
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db + " OWNER bench");
        }
        String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + db + "?user=bench";
        // the inventory example's own migrations (examples/inventory, v2), with an index on sku added the safe way as V3.1
        Path dir = InventoryExample.writeTo(Files.createTempDirectory("glidepath-migration-bench-"), url);
        Files.writeString(dir.resolve("v2/expand/V3_1__sku_index.sql"), "CREATE INDEX CONCURRENTLY items_sku_idx ON items (sku);");
        Files.writeString(dir.resolve("v2/expand/V3_1__sku_index.sql.conf"), "executeInTransaction=false\n");
        Path naive = Files.createDirectories(dir.resolve("naive/expand"));
        Files.copy(dir.resolve("v1/expand/V1__items.sql"), naive.resolve("V1__items.sql"));
        DatabaseSpec v1 = new DatabaseSpec("bench", url, Optional.empty(), Optional.of(name.equals("glidepath") ? "v1/expand" : "naive/expand"),
                Optional.empty(), DatabaseSpec.DEFAULT_LOCK_TIMEOUT, DatabaseSpec.DEFAULT_STATEMENT_TIMEOUT, List.of(), new Location("bench", 1, 1));
        DatabaseSpec spec = new DatabaseSpec("bench", url, Optional.empty(), Optional.of("v2/expand"), Optional.of("v2/contract"),
                DatabaseSpec.DEFAULT_LOCK_TIMEOUT, DatabaseSpec.DEFAULT_STATEMENT_TIMEOUT, List.of(), new Location("bench", 1, 1));
        FlywayMigrations migrations = new FlywayMigrations(Map.of());
        Migrations.Progress quiet = new Migrations.Progress() {
            @Override
            public void starting(String file) {
            }

            @Override
            public void applied(Migrations.Applied m) {
                System.out.printf(Locale.ROOT, "  %-10s applied %s in %,d ms%n", name, m.file(), m.millis());
            }

            @Override
            public void retrying(String file, String why, long inMillis, int attempt, int of) {
                System.out.printf(Locale.ROOT, "  %-10s retrying %s: %s%n", name, file, why);
            }
        };
        migrations.expand(v1, dir, quiet);
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("INSERT INTO items (sku, qty) SELECT 'sku-' || (g % 50000), g % 100 FROM generate_series(1, " + ROWS + ") g");
            st.execute("VACUUM ANALYZE items");
        }
        try (Writers w = new Writers(url)) {
            Thread.sleep(BASELINE.toMillis());
            Figures before = w.figures(name + ": before the change", BASELINE);
            w.reset();
            long t0 = System.nanoTime();
            if (name.equals("glidepath")) {
                migrations.expand(spec, dir, quiet);
                w.column.set("quantity"); // the new version takes over
                migrations.contract(spec, dir, quiet);
            } else {
                Files.writeString(naive.resolve("V2__rename_quantity.sql"), """
                        ALTER TABLE items ADD COLUMN quantity integer;
                        UPDATE items SET quantity = qty;
                        ALTER TABLE items ALTER COLUMN quantity SET NOT NULL;
                        CREATE INDEX items_sku_idx ON items (sku);
                        ALTER TABLE items DROP COLUMN qty;
                        """);
                long m0 = System.nanoTime();
                Flyway.configure().dataSource(url, null, null).locations("filesystem:" + naive).load().migrate();
                System.out.printf(Locale.ROOT, "  %-10s applied expand/V2__rename_quantity.sql in %,d ms (plain Flyway)%n", name,
                        (System.nanoTime() - m0) / 1_000_000);
                w.column.set("quantity");
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            Thread.sleep(1000); // the writes that were waiting finish and count
            Figures during = w.figures(name + ": during the change", took);
            return List.of(before, during);
        }
    }

    /** WRITERS connections updating random rows at RATE writes/s in total, each write's latency recorded; a write failing counts. */
    static final class Writers implements AutoCloseable {
        final AtomicReference<String> column = new AtomicReference<>("qty");
        private final ConcurrentHistogram latency = new ConcurrentHistogram(3_600_000_000L, 2);
        private final AtomicLong failed = new AtomicLong();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Writers(String url) throws SQLException {
            long periodNanos = 1_000_000_000L * WRITERS / RATE;
            for (int i = 0; i < WRITERS; i++) {
                Connection c = DriverManager.getConnection(url);
                try (Statement st = c.createStatement()) {
                    st.execute("SET statement_timeout = '5s'");
                }
                threads.add(Thread.ofPlatform().start(() -> {
                    long next = System.nanoTime();
                    try (c) {
                        while (!stop.get()) {
                            next += periodNanos;
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            }
                            String col = column.get();
                            long start = next; // from when the write was due: a writer held up counts its wait (no coordinated omission)
                            try (PreparedStatement ps = c.prepareStatement("UPDATE items SET " + col + " = " + col + " + 1 WHERE id = ?")) {
                                ps.setLong(1, 1 + ThreadLocalRandom.current().nextLong(ROWS));
                                ps.executeUpdate();
                                latency.recordValue((System.nanoTime() - start) / 1_000);
                            } catch (SQLException e) {
                                latency.recordValue((System.nanoTime() - start) / 1_000);
                                failed.incrementAndGet();
                            }
                        }
                    } catch (SQLException | InterruptedException e) {
                        // stopping
                    }
                }));
            }
        }

        void reset() {
            latency.reset();
            failed.set(0);
        }

        Figures figures(String what, Duration took) {
            Histogram h = latency.copy();
            return new Figures(what, h.getTotalCount(), failed.get(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getMaxValue() / 1000.0, took);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
    }
}
