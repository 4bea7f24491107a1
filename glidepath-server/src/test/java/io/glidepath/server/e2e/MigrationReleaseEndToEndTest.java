package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.examples.InventoryExample;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension;
import io.glidepath.testkit.postgres.EmbeddedPostgresExtension.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inventory example end to end on a real PostgreSQL, with real service processes writing through
 * the router: the rename of qty to quantity as expand/contract under concurrent writes (no write lost,
 * no request failed, contract only once v1's sessions are gone), the locking release refused by the
 * gate before anything starts, and an expand that breaks the version serving users, caught by that
 * version's own smoke check before the new version starts.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class MigrationReleaseEndToEndTest {
    static final Duration MAX = Duration.ofMinutes(3);
    static TestPostgres pg;
    static final AtomicInteger DATABASES = new AtomicInteger();

    @TempDir
    Path data;

    @BeforeAll
    static void postgres(TestPostgres p) {
        pg = p;
    }

    /** A fresh database, reached as the superuser (trusted on loopback by the test server, so the files name no password). */
    static String freshDatabase() {
        String name = "inventory_" + DATABASES.incrementAndGet();
        pg.superuser("CREATE DATABASE " + name);
        return "jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + name + "?user=postgres";
    }

    @Test
    void theRenameShipsUnderConcurrentWritesWithNoWriteLostAndContractsOnlyOnceV1IsGone() throws Exception {
        String url = freshDatabase();
        InventoryExample.writeTo(data, url);
        try (Stack stack = Stack.start(data)) {
            JsonNode v1 = stack.awaitEnd(stack.submit(Files.readString(data.resolve("inventory-v1.yaml"))), MAX);
            assertThat(v1.path("state").asText()).as(v1.toString()).isEqualTo("PROMOTED");
            sql(url, "INSERT INTO items (sku, qty) SELECT 'seed-' || g, 0 FROM generate_series(1, 20000) g");
            long firstSeed = count(url, "SELECT min(id) FROM items WHERE sku LIKE 'seed-%'");

            try (Writers writers = new Writers(stack.proxyPort(), 4, firstSeed, false)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> writers.acked.get() > 200);
                String v2 = stack.submit(Files.readString(data.resolve("inventory-v2.yaml")));
                JsonNode end = stack.awaitEnd(v2, MAX);
                assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("PROMOTED");
                // promoted, with its contract still to run: the release's view says so (glidepath status shows it)
                assertThat(end.path("migrations").path("contracts").path("inventory").asText()).isIn("CONTRACT_PENDING", "CONTRACT_WAITING");
                assertThat(end.path("migrations").path("expanded").toString()).isEqualTo("[\"inventory\"]");
                await("the contract, once v1 is retired and gone").atMost(Duration.ofSeconds(60))
                        .until(() -> messages(stack, v2).stream().anyMatch(m -> m.startsWith("database 'inventory' contracted")));
                assertThat(stack.get("/v1/releases/" + v2).path("migrations").path("contracts").path("inventory").asText()).isEqualTo("DONE");
                long before = writers.acked.get();
                await().atMost(Duration.ofSeconds(20)).until(() -> writers.acked.get() > before + 200);
                writers.close();
                assertThat(writers.failures).as("failed writes").isEmpty();

                // every acknowledged write is there: each insert's row, and each hot row's quantity counts every acknowledged add
                assertThat(count(url, "SELECT count(*) FROM items WHERE sku LIKE 'load-%'")).isEqualTo(writers.inserts.get());
                for (var e : writers.adds.entrySet()) {
                    assertThat(count(url, "SELECT quantity FROM items WHERE id = " + e.getKey())).as("item " + e.getKey()).isEqualTo(e.getValue().get());
                }
                assertThat(count(url, "SELECT count(*) FROM items WHERE quantity IS NULL")).as("backfilled").isZero();
                assertThat(strings(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position"))
                        .containsExactly("id", "sku", "quantity");
                assertThat(count(url, "SELECT count(*) FROM pg_trigger WHERE tgname = 'items_sync_quantity'")).isZero();
                assertThat(strings(url, "SELECT version || ':' || success FROM flyway_schema_history ORDER BY installed_rank"))
                        .containsExactly("1:true", "2:true", "3:true", "4:true");

                // the order: gate, expand, v1 proven on it, v2 started, promoted, v1 stopped, then the contract
                List<String> journal = messages(stack, v2);
                assertInOrder(journal,
                        "the migration gate passed database 'inventory'",
                        "expanding database 'inventory' before wave 1",
                        "applied v2/expand/V2__quantity_column.sql",
                        "applied v2/expand/V3__backfill_quantity.sql",
                        "database 'inventory' expanded: 2 migrations applied",
                        "stock v1 (previous, serving users) on the expanded schema: smoke test 'check' passed",
                        "stock v1 passes its own checks on the expanded schema",
                        "started 2 instances of v2",
                        "contract of database 'inventory' pending: v2/contract/V4__drop_qty.sql",
                        "release " + v2 + " promoted",
                        "retired v1",
                        "contracting database 'inventory'",
                        "applied v2/contract/V4__drop_qty.sql",
                        "database 'inventory' contracted: 1 migration applied");
                assertThat(count(url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'glidepath:stock:v1'")).isZero();
            }

            // the locking release: refused by the gate, nothing started, the finding located with the safe way
            int instances = stack.get("/v1/services").path("services").get(0).path("instances").size();
            String v3 = stack.submit(Files.readString(data.resolve("inventory-v3-locking.yaml")));
            JsonNode refused = stack.awaitEnd(v3, MAX);
            assertThat(refused.path("state").asText()).isEqualTo("CANCELLED");
            assertThat(refused.path("migrations").path("contracts").path("inventory").asText()).isEqualTo("SKIPPED");
            assertThat(refused.path("reason").asText()).contains("v3-locking/expand/V5__sku_index.sql:3 require-concurrent-index-creation");
            assertThat(messages(stack, v3)).anySatisfy(m -> assertThat(m).startsWith("the migration gate refused database 'inventory'")
                    .contains("Safe way: CREATE INDEX CONCURRENTLY"));
            assertThat(stack.get("/v1/services").path("services").get(0).path("instances")).hasSize(instances);
            assertThat(count(url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'items_sku_idx'")).isZero();
        }
    }

    @Test
    void anExpandThatBreaksTheVersionServingUsersStopsTheReleaseBeforeTheNewVersionStarts() throws Exception {
        String url = freshDatabase();
        InventoryExample.writeTo(data, url);
        // an expand that forgets the trigger: v1 inserts without quantity, which the new check refuses
        Path broken = data.resolve("v2-broken/expand");
        Files.createDirectories(broken);
        Files.copy(data.resolve("v2/expand/V1__items.sql"), broken.resolve("V1__items.sql"));
        Files.writeString(broken.resolve("V2__quantity_column.sql"), """
                ALTER TABLE items ADD COLUMN quantity integer;
                ALTER TABLE items ADD CONSTRAINT quantity_set CHECK (quantity IS NOT NULL) NOT VALID;
                """);
        String v2 = Files.readString(data.resolve("inventory-v2.yaml")).replace("expand: v2/expand", "expand: v2-broken/expand")
                .replace("    contract: v2/contract\n", "").replace("release: inventory-v2", "release: inventory-v2-broken");
        try (Stack stack = Stack.start(data)) {
            assertThat(stack.awaitEnd(stack.submit(Files.readString(data.resolve("inventory-v1.yaml"))), MAX).path("state").asText())
                    .isEqualTo("PROMOTED");
            sql(url, "INSERT INTO items (sku, qty) SELECT 'seed-' || g, 0 FROM generate_series(1, 100) g");
            long firstSeed = count(url, "SELECT min(id) FROM items WHERE sku LIKE 'seed-%'");
            try (Writers writers = new Writers(stack.proxyPort(), 2, firstSeed, true)) {
                await().atMost(Duration.ofSeconds(20)).until(() -> writers.acked.get() > 50);
                String id = stack.submit(v2);
                JsonNode end = stack.awaitEnd(id, MAX);
                assertThat(end.path("state").asText()).as(end.toString()).isEqualTo("ROLLED_BACK");
                assertThat(end.path("reason").asText()).contains("stock v1, which serves users, fails on the expanded schema, so v2 was not started",
                        "smoke test 'check' failed");
                List<String> journal = messages(stack, id);
                assertThat(journal).noneMatch(m -> m.startsWith("started 2 instances of v2"));
                assertInOrder(journal, "the migration gate passed database 'inventory'", "database 'inventory' expanded: 1 migration applied");
                assertThat(stack.get("/v1/services").path("services").get(0).path("currentVersion").asText()).isEqualTo("v1");
            }
        }
    }

    /** Each of {@code prefixes} begins a message of the journal, in this order. */
    static void assertInOrder(List<String> journal, String... prefixes) {
        int at = 0;
        for (String p : prefixes) {
            int from = at;
            while (at < journal.size() && !journal.get(at).startsWith(p)) {
                at++;
            }
            assertThat(at).as("a message starting '" + p + "' after message " + from + " of the journal:\n" + String.join("\n", journal))
                    .isLessThan(journal.size());
            at++;
        }
    }

    static List<String> messages(Stack stack, String id) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode e : stack.events(id)) {
            out.add(e.path("message").asText());
        }
        return out;
    }

    static void sql(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static long count(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> strings(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    /**
     * Users writing through the router: new items and additions to 50 hot items, each counted only once its
     * answer says it was written. A failure is any answer but 2xx, or none.
     */
    static final class Writers implements AutoCloseable {
        final AtomicLong acked = new AtomicLong();
        final AtomicLong inserts = new AtomicLong();
        final Map<Long, AtomicLong> adds = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

        /** {@code hot}: the first of the 50 items (seeded at quantity 0) the users add to; {@code readsOnly}: the users only read them */
        Writers(int port, int n, long hot, boolean readsOnly) {
            for (int t = 0; t < n; t++) {
                int me = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    long k = 0;
                    while (!stop.get()) {
                        long id = hot + ThreadLocalRandom.current().nextLong(50);
                        boolean insert = !readsOnly && k % 3 == 0;
                        String path = readsOnly ? "/stock/items/" + id : insert ? "/stock/items?sku=load-" + me + "-" + k + "&n=1"
                                : "/stock/items/" + id + "/add?n=1";
                        k++;
                        try {
                            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
                            HttpResponse<String> r = http.send(readsOnly ? b.GET().build() : b.POST(HttpRequest.BodyPublishers.noBody()).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() / 100 != 2) {
                                failures.add(path + " -> " + r.statusCode() + " " + r.body().strip());
                                continue;
                            }
                            acked.incrementAndGet();
                            if (insert) {
                                inserts.incrementAndGet();
                            } else if (!readsOnly) {
                                adds.computeIfAbsent(id, x -> new AtomicLong()).incrementAndGet();
                            }
                        } catch (Exception e) {
                            failures.add(path + " -> " + e);
                        }
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
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
