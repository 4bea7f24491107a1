package io.glidepath.cli.demo;

import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.deploy.ReleaseFollower;
import io.glidepath.cli.term.Terminal;
import io.glidepath.examples.ShopExample;
import io.glidepath.spec.Includes;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's fleet scene: examples/fleet, twelve customers of one service, each on its own host with
 * its own instances, some with overrides of the shared definition. v1 to all, then under load on
 * every customer's host: v2 in three rings (promoted), and v3, whose bug only the customers with
 * LEGACY_BILLING on reach: caught in the second ring, where the failure budget stops the release and
 * every customer it updated goes back.
 */
final class FleetDemo {
    static final List<String> FILES = List.of("customers.yaml", "fleet-v1.yaml", "fleet-v2.yaml", "fleet-v3.yaml");

    /** One release of the fleet, as measured: customers that failed, and the time from the last decision to every customer back. */
    record Row(String release, String rings, String expected, String outcome, List<String> failedCustomers, Optional<Long> rollbackMillis,
               Duration took, long failed) {
    }

    /** The scene as measured: its releases, and its users' requests and failures. */
    record Scene(List<Row> rows, long requests, long failed, List<String> firstFailures) {
    }

    private final Terminal term;
    private final String host;
    private final int port;
    private final double ratePerCustomer;

    FleetDemo(Terminal term, String host, int port, double ratePerCustomer) {
        this.term = term;
        this.host = host;
        this.port = port;
        this.ratePerCustomer = ratePerCustomer;
    }

    Scene run(ServerClient client, Path work) throws Exception {
        term.line(term.bold("the fleet") + " (examples/fleet): one service run once per customer, twelve customers on hosts c01.example.test ...");
        term.line("  c03 and c04 turn LEGACY_BILLING on, c10 runs two replicas in another region: overrides on top of the shared definition");
        Path dir = Files.createDirectories(work.resolve("fleet"));
        for (String f : FILES) {
            Files.writeString(dir.resolve(f), ShopExample.file("fleet", f));
        }
        ReleaseSpec first = read(dir, "fleet-v1.yaml");
        List<String> customers = first.fleet("web").orElseThrow().customers().stream().map(c -> c.name() + ".example.test").toList();
        term.line("");
        List<Row> rows = new ArrayList<>();
        List<LoadGenerator> users = new ArrayList<>();
        try {
            rows.add(ship(client, dir, users, "fleet-v1.yaml", "PROMOTED", "the first release: v1 to every customer, four at a time"));
            for (String h : customers) {
                // 64 users a host with a cookie each: every customer's canary gets about half of them (the split is sticky)
                users.add(new LoadGenerator(new LoadGenerator.Config(host, port, List.of("/"), 1, 64, ratePerCustomer, Duration.ofSeconds(10),
                        Map.of("Host", h), "X-Version")).start());
            }
            term.line(term.bold("load") + String.format(": %.0f requests/s on each customer's host (%d hosts)", ratePerCustomer, customers.size()));
            term.line("");
            rows.add(ship(client, dir, users, "fleet-v2.yaml", "PROMOTED",
                    "v2 in three rings: the internal customer, then a quarter of the fleet, then the rest; a canary per customer"));
            rows.add(ship(client, dir, users, "fleet-v3.yaml", "ROLLED_BACK",
                    "v3 breaks the legacy billing path: c03 and c04, both in ring early; the budget allows one failure"));
        } finally {
            users.forEach(LoadGenerator::close);
        }
        long requests = users.stream().mapToLong(LoadGenerator::requestCount).sum();
        long failed = users.stream().mapToLong(LoadGenerator::failureCount).sum();
        List<String> firstFailures = users.stream().flatMap(u -> u.failures().stream()).limit(5)
                .map(f -> "at " + f.atMillis() + " ms " + f.path() + ": " + f.reason()).toList();
        return new Scene(rows, requests, failed, firstFailures);
    }

    private static ReleaseSpec read(Path dir, String file) throws Exception {
        return ReleaseReader.read(file, Files.readString(dir.resolve(file)), Includes.folder(dir));
    }

    private Row ship(ServerClient client, Path dir, List<LoadGenerator> users, String file, String expected, String what) throws Exception {
        String text = Files.readString(dir.resolve(file));
        ReleaseSpec spec = read(dir, file);
        String name = spec.name().orElseThrow();
        String rings = String.join(" > ", spec.fleet("web").orElseThrow().rings().stream()
                .map(r -> r.name() + " (" + r.customers().size() + ")").toList());
        term.line(term.bold("release " + name) + ": " + what);
        term.line("  rings: " + rings);
        long failedBefore = users.stream().mapToLong(LoadGenerator::failureCount).sum();
        Instant start = Instant.now();
        String id = client.submit(file, dir.toString(), "demo", text, false).path("id").asText();
        ReleaseFollower.Followed f = ReleaseFollower.follow(client, id, spec, term, false);
        Duration took = Duration.between(start, Instant.now());
        List<String> failedCustomers = f.ofKind("customerFailed").stream().map(c -> c.path("customer").asText()).toList();
        Optional<Long> rollback = f.ofKind("trafficRestored").stream().filter(x -> !x.has("service")).findFirst().map(x -> x.path("millis").asLong());
        term.line("");
        return new Row(name, rings, expected, f.outcome(), failedCustomers, rollback, took,
                users.stream().mapToLong(LoadGenerator::failureCount).sum() - failedBefore);
    }

    static String customers(List<String> failed) {
        return failed.isEmpty() ? "-" : String.join(", ", failed);
    }
}
