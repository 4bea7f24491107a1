package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.examples.InventoryExample;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server (a process, as {@code glidepath up} starts it) killed like SIGKILL during the inventory
 * rename: in the middle of the expand (after its first migration, before the backfill), and between
 * the expand and the contract (right after the release was journaled promoted). {@code glidepath up}
 * starts a new server, which must leave everything consistent: the release promoted, every migration
 * applied once and successfully in Flyway's history, no invalid index, the contract run once the old
 * version is gone, and the users (writing through the router the whole time) without a failed request.
 * Run side by side with the other crash scenarios ({@link CrashRecoveryTest}), each with its own data
 * directory and database.
 */
final class MigrationCrashScenarios {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private final TestPostgres pg;
    private final Path work;

    MigrationCrashScenarios(TestPostgres pg, Path work) {
        this.pg = pg;
        this.work = work;
    }

    /** The two crash points, to run side by side with the other crash scenarios. */
    Map<String, Callable<Void>> scenarios() {
        Map<String, Callable<Void>> all = new LinkedHashMap<>();
        // the 5th migration event of the release: "applying v2/expand/V3__backfill_quantity.sql" (V2 applied, V3 not yet)
        all.put("migration mid-expand", () -> crashAt("mid", "inventory-v2:migration#5", "applying v2/expand/V3__backfill_quantity.sql"));
        all.put("migration between expand and contract", () -> crashAt("between", "inventory-v2:finished", "release inventory-v2 promoted"));
        return all;
    }

    private Void crashAt(String name, String failpoint, String lastBeforeCrash) throws Exception {
        String db = "inventory_crash_" + DATABASES.incrementAndGet();
        pg.superuser("CREATE DATABASE " + db);
        String url = "jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + db + "?user=postgres";
        Path example = Files.createDirectories(work.resolve(name + "-example"));
        InventoryExample.writeTo(example, url);
        DataDir dir = new DataDir(work.resolve(name));
        LoadGenerator load = null;
        try {
            assertThat(CliProcess.up(dir, failpoint, "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0")).isZero();
            ServerClient api = ServerClient.of(dir);
            String v1 = submit(api, example, "inventory-v1.yaml");
            await().atMost(Duration.ofSeconds(90)).until(() -> !api.release(v1).path("state").asText().equals("RUNNING"));
            assertThat(api.release(v1).path("state").asText()).isEqualTo("PROMOTED");
            sql(url, "INSERT INTO items (sku, qty) SELECT 'seed-' || g, 0 FROM generate_series(1, 20000) g");
            // users write through the router the whole time: each request inserts an item and reads it back
            load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", dir.endpoints().orElseThrow().proxy().port(), 3)
                    .withPaths(List.of("/stock/check")).withRate(60)).start();
            LoadGenerator users = load;
            await().atMost(Duration.ofSeconds(10)).until(() -> users.requestCount() > 30);

            ProcessHandle server = dir.process("server").orElseThrow();
            String v2 = submit(api, example, "inventory-v2.yaml");
            await("the server halts at " + failpoint).atMost(Duration.ofSeconds(90)).until(() -> !server.isAlive());
            List<String> atCrash = Journals.messages(dir, v2);
            assertThat(atCrash.getLast()).as("the last journaled before the crash").startsWith(lastBeforeCrash);

            assertThat(CliProcess.up(dir, null)).isZero();
            ServerClient again = ServerClient.of(dir);
            await("the release ends after the restart").atMost(Duration.ofSeconds(90))
                    .until(() -> !again.release(v2).path("state").asText().equals("RUNNING"));
            assertThat(again.release(v2).path("state").asText()).as(String.join("\n", Journals.messages(again, v2))).isEqualTo("PROMOTED");
            await("the contract, once v1 is gone").atMost(Duration.ofSeconds(90))
                    .until(() -> Journals.messages(again, v2).stream().anyMatch(m -> m.startsWith("database 'inventory' contracted")));
            long served = users.requestCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> users.requestCount() > served + 30);
            load.close();
            assertThat(load.failures()).as("users' failed requests across the crash").isEmpty();

            // consistent: every migration once and successful, no invalid index, the old column gone, no v1 session
            assertThat(strings(url, "SELECT version || ':' || success FROM flyway_schema_history ORDER BY installed_rank"))
                    .containsExactly("1:true", "2:true", "3:true", "4:true");
            assertThat(strings(url, "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")).isEmpty();
            assertThat(strings(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position"))
                    .containsExactly("id", "sku", "quantity");
            assertThat(strings(url, "SELECT count(*)::text FROM items WHERE quantity IS NULL")).containsExactly("0");
            assertThat(strings(url, "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND application_name = 'glidepath:stock:v1'")).containsExactly("0");
            List<String> journal = Journals.messages(again, v2);
            assertThat(journal.stream().filter(m -> m.startsWith("contracting database 'inventory'")).count()).as("the contract ran once").isEqualTo(1);
            assertThat(journal).anyMatch(m -> m.startsWith("the server restarted"));
            return null;
        } finally {
            if (load != null) {
                load.close();
            }
            try (CliProcess p = CliProcess.start("down", "--data-dir", dir.root().toString())) {
                p.waitFor(120);
            }
        }
    }

    private static String submit(ServerClient api, Path example, String file) throws Exception {
        return api.submit(example.resolve(file).toString(), example.toString(), "tester", Files.readString(example.resolve(file)), false)
                .path("id").asText();
    }

    private static void sql(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static List<String> strings(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
