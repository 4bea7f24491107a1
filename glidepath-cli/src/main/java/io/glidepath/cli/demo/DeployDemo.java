package io.glidepath.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.deploy.ReleaseFollower;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.term.Terminal;
import io.glidepath.journal.EventJson;
import io.glidepath.examples.SampleService;
import io.glidepath.examples.ShopExample;
import io.glidepath.spec.Durations;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.testkit.load.LoadGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The main job on this machine: {@code glidepath up}, then under steady load four releases of a
 * sample service ("web"): v1 (first deployment), v2 by canary (promoted), v3 by canary with errors
 * that begin after its smoke tests (rolled back by the analysis), v4 by blue-green (promoted). Then
 * the shop of examples/shop, four services as one release: v1, then under load v2 (promoted wave by
 * wave) and v3 (inventory breaks the new gateway in the last wave: the whole release flips back).
 * Then the inventory's database releases on a PostgreSQL the demo starts ({@link InventoryDemo}), then the fleet of
 * examples/fleet in rings under load on every customer's host ({@link FleetDemo}).
 * Then a table per release and the totals; then {@code glidepath down}: nothing is left running.
 */
final class DeployDemo {
    private static final Pattern ONSET = Pattern.compile("errors begin at epoch-ms (\\d+)");

    /** One release of the demo, as measured; {@code failed}: users' requests that failed while it ran. */
    record Row(String version, String strategy, String expected, String outcome, Duration took, Optional<Duration> onsetToDecision,
               Optional<Long> decisionToStableMillis, long canary5xxSeen, long failed) {
    }

    /** One release of the shop (several services in waves), as measured; rollback: decision to every service on its previous version. */
    record ShopRow(String release, List<List<String>> waves, String expected, String outcome, String reason, Duration took,
                   Optional<Long> rollbackMillis, long failed) {
        String wavesText() {
            return String.join(" > ", waves.stream().map(w -> String.join("+", w)).toList());
        }
    }

    record Result(List<Row> rows, List<ShopRow> shop, List<InventoryDemo.Row> inventory, List<FleetDemo.Row> fleet, long requests, long failed,
                  long bad5xxSeen, double p50, double p99, Map<String, Long> byVersion, List<String> firstFailures) {
        boolean ok() {
            return failed == 0 && rows.stream().allMatch(r -> r.outcome().equals(r.expected()))
                    && shop.stream().allMatch(r -> r.outcome().equals(r.expected()))
                    && inventory.stream().allMatch(r -> r.outcome().equals(r.expected()))
                    && fleet.stream().allMatch(r -> r.outcome().equals(r.expected()));
        }

        String toJson() {
            ObjectNode n = EventJson.MAPPER.createObjectNode();
            ArrayNode a = n.putArray("releases");
            for (Row r : rows) {
                ObjectNode o = a.addObject().put("version", r.version()).put("strategy", r.strategy()).put("outcome", r.outcome())
                        .put("seconds", r.took().toMillis() / 1000.0);
                r.onsetToDecision().ifPresent(d -> o.put("onsetToDecisionMillis", d.toMillis()));
                r.decisionToStableMillis().ifPresent(d -> o.put("decisionToStableMillis", d));
                o.put("canary5xxSeenByAnalysis", r.canary5xxSeen());
                o.put("failed", r.failed());
            }
            ArrayNode sh = n.putArray("shop");
            for (ShopRow r : shop) {
                ObjectNode o = sh.addObject().put("release", r.release()).put("outcome", r.outcome()).put("seconds", r.took().toMillis() / 1000.0);
                ArrayNode waves = o.putArray("waves");
                r.waves().forEach(w -> w.forEach(waves.addArray()::add));
                if (r.reason() != null) {
                    o.put("reason", r.reason());
                }
                r.rollbackMillis().ifPresent(ms -> o.put("releaseRollbackMillis", ms));
                o.put("failed", r.failed());
            }
            ArrayNode inv = n.putArray("inventory");
            for (InventoryDemo.Row r : inventory) {
                inv.addObject().put("release", r.release()).put("outcome", r.outcome()).put("migrations", r.migrations())
                        .put("seconds", r.took().toMillis() / 1000.0).put("failed", r.failed());
            }
            ArrayNode fl = n.putArray("fleet");
            for (FleetDemo.Row r : fleet) {
                ObjectNode o = fl.addObject().put("release", r.release()).put("rings", r.rings()).put("outcome", r.outcome())
                        .put("seconds", r.took().toMillis() / 1000.0);
                r.failedCustomers().forEach(o.putArray("failedCustomers")::add);
                r.rollbackMillis().ifPresent(ms -> o.put("releaseRollbackMillis", ms));
                o.put("failed", r.failed());
            }
            n.put("requests", requests).put("failed", failed).put("bad5xxSeenByAnalysis", bad5xxSeen).put("p50Millis", p50).put("p99Millis", p99);
            ObjectNode v = n.putObject("byVersion");
            byVersion.forEach(v::put);
            ArrayNode f = n.putArray("firstFailures");
            firstFailures.forEach(f::add);
            return n.toPrettyString();
        }
    }

    private final Terminal term;
    private final PrintStream out;
    private final int clients;
    private final int rate;
    private final Duration bake;
    private final boolean keepFiles;

    DeployDemo(Terminal term, PrintStream out, int clients, int rate, Duration bake, boolean keepFiles) {
        this.term = term;
        this.out = out;
        this.clients = clients;
        this.rate = rate;
        this.bake = bake;
        this.keepFiles = keepFiles;
    }

    Result run() throws Exception {
        Path work = Files.createTempDirectory("glidepath-demo-");
        DataDir dir = new DataDir(work.resolve("gp"));
        PrintStream realOut = System.out;
        AtomicBoolean stopped = new AtomicBoolean();
        // Ctrl-C or a kill: the router, server and instances run in sessions of their own, so stop them here
        Thread onSignal = new Thread(() -> {
            if (stopped.compareAndSet(false, true)) {
                System.err.println("glidepath demo: interrupted; stopping what it started (glidepath down --data-dir " + dir.root() + ")");
                stopEverything(dir, work, realOut);
            }
        }, "demo-interrupted");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            term.line(term.bold("Glidepath demo") + ": a service shipped four times, a shop of four services shipped as one release, schema");
            term.line("changes to a PostgreSQL database and a fleet of twelve customers shipped in rings, all under steady load, with real");
            term.line("processes, the real router and the real server.");
            term.line("Some releases are bad; nobody should notice.");
            term.line("");
            System.setOut(out);
            int up = Main.run("up", "--data-dir", dir.root().toString(), "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0");
            if (up != Main.OK) {
                throw new IllegalStateException("glidepath up failed; see " + dir.run());
            }
            ServerClient client = ServerClient.of(dir);
            DataDir.Endpoints e = dir.endpoints().orElseThrow();
            List<Row> rows = new ArrayList<>();
            List<ShopRow> shop = new ArrayList<>();
            LoadGenerator.Config cfg = LoadGenerator.Config.of(e.proxy().host(), e.proxy().port(), clients).withRate(rate).withUsersPerConnection(64);
            try (LoadGenerator load = new LoadGenerator(cfg.withPaths(List.of("/web")))) {
                term.line("");
                rows.add(ship(client, work, load, "v1", "canary", "", "PROMOTED",
                        "first deployment: no stable version yet, so it takes all traffic after its proofs"));
                load.start();
                term.line("");
                term.line(term.bold("load") + ": " + clients + " keep-alive connections carrying " + clients * 64 + " users, " + rate
                        + " requests/s on /web, from now to the end");
                rows.add(ship(client, work, load, "v2", "canary", "", "PROMOTED", "canary in steps, analysis during each bake"));
                // the errors begin half way into the 10% step (each instance's share of it, its smoke tests first): counted in
                // requests, not time, so that a slow start on a busy host cannot bring them forward into the smoke tests
                long onset = 2 + Math.round(rate * 0.10 / 2 * bake.toMillis() / 1000.0 / 2);
                rows.add(ship(client, work, load, "v3", "canary", ", ERROR_RATE: \"100%\", ERROR_AFTER_REQUESTS: \"" + onset + "\"",
                        "ROLLED_BACK", "canary whose every answer turns into a 500 after its first " + onset
                                + " requests on each instance (after its smoke tests)"));
                rows.add(ship(client, work, load, "v4", "blueGreen", "", "PROMOTED", "blue-green: proven on the preview route, then all traffic in one update"));

                term.line(term.bold("the shop") + " (examples/shop): gateway calls catalog and pricing, catalog calls inventory, every call through the router");
                term.line("");
                // each /checkout is four requests through the router (user to gateway, then to catalog, pricing, inventory)
                int shopRate = Math.max(1, rate / 2);
                try (LoadGenerator shopLoad = new LoadGenerator(cfg.withRate(shopRate).withPaths(List.of("/checkout")))) {
                    shop.add(shipShop(client, work, shopLoad, "shop-v1.yaml", "PROMOTED", "the first release of all four services, in dependency order"));
                    shopLoad.start();
                    term.line(term.bold("load") + ": " + shopRate + " requests/s more on /checkout, each of which goes through all four services");
                    term.line("");
                    shop.add(shipShop(client, work, shopLoad, "shop-v2.yaml", "PROMOTED", "new versions of all four, wave by wave, verified after each wave"));
                    shop.add(shipShop(client, work, shopLoad, "shop-v3.yaml", "ROLLED_BACK",
                            "inventory v3 fails on the new gateway's API version: fine in its own wave, broken in the last one"));
                    shopLoad.close();
                    // the web and the shop stay under their load while the inventory's database changes and the fleet ships
                    InventoryDemo.Scene inventory = new InventoryDemo(term, cfg.withRate(Math.max(1, rate / 3))).run(client, work);
                    FleetDemo.Scene fleet = new FleetDemo(term, e.proxy().host(), e.proxy().port(), Math.max(5, rate / 12.0)).run(client, work);
                    load.close();
                    LoadGenerator.Snapshot web = load.snapshot();
                    LoadGenerator.Snapshot checkout = shopLoad.snapshot();
                    List<String> firstFailures = Stream.concat(Stream.concat(load.failures().stream(), shopLoad.failures().stream())
                            .map(f -> "at " + f.atMillis() + " ms " + f.path() + ": " + f.reason()), Stream.concat(inventory.firstFailures().stream(),
                            fleet.firstFailures().stream())).limit(5).toList();
                    long bad = rows.stream().filter(r -> r.version().equals("v3")).mapToLong(Row::canary5xxSeen).sum();
                    Result r = new Result(rows, shop, inventory.rows(), fleet.rows(), web.requests() + checkout.requests() + inventory.requests()
                            + fleet.requests(), web.failures() + checkout.failures() + inventory.failed() + fleet.failed(), bad, web.p50Millis(),
                            web.p99Millis(), web.byVersion(), firstFailures);
                    summary(r, checkout);
                    return r;
                }
            }
        } finally {
            if (stopped.compareAndSet(false, true)) {
                removeHook(onSignal);
                stopEverything(dir, work, realOut);
            }
        }
    }

    /** {@code glidepath down} on the demo's data directory, then its files gone unless kept. */
    private void stopEverything(DataDir dir, Path work, PrintStream realOut) {
        System.setOut(out);
        Main.run("down", "--data-dir", dir.root().toString());
        System.setOut(realOut);
        if (keepFiles) {
            term.line("  files kept in " + work);
        } else {
            try {
                deleteTree(work);
            } catch (IOException e) {
                term.line("  could not remove " + work + ": " + e.getMessage());
            }
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or has run; it found the work done
        }
    }

    /** Deploys one of the shop's release files, follows it live, measures it. */
    private ShopRow shipShop(ServerClient client, Path work, LoadGenerator load, String fileName, String expected, String what) throws Exception {
        String text = ShopExample.release(fileName);
        ReleaseSpec spec = ReleaseReader.read(fileName, text);
        String name = spec.name().orElseThrow();
        List<List<String>> waves = spec.waves().stream().map(w -> w.stream().map(ServiceSpec::name).toList()).toList();
        term.line(term.bold("release " + name) + ": " + what);
        term.line("  waves: " + String.join("  >  ", waves.stream().map(w -> String.join(", ", w)).toList()));
        long failedBefore = load.failureCount();
        Instant start = Instant.now();
        String id = client.submit(fileName, work.toString(), "demo", text, false).path("id").asText();
        ReleaseFollower.Followed f = ReleaseFollower.follow(client, id, spec, term, false);
        Duration took = Duration.between(start, Instant.now());
        Optional<Long> rollback = f.ofKind("trafficRestored").stream().filter(x -> !x.has("service")).findFirst().map(x -> x.path("millis").asLong());
        String reason = f.outcome().equals("PROMOTED") ? null : f.finished() == null ? null : f.finished().path("message").asText();
        term.line("");
        return new ShopRow(name, waves, expected, f.outcome(), reason, took, rollback, load.failureCount() - failedBefore);
    }

    /** Writes the release file of {@code version}, deploys it, follows it live, measures it. */
    private Row ship(ServerClient client, Path work, LoadGenerator load, String version, String strategy, String faults, String expected, String what)
            throws Exception {
        term.line(term.bold("release " + version) + ": " + what);
        long failedBefore = load.failureCount();
        Path file = work.resolve("web-" + version + ".yaml");
        Files.writeString(file, releaseFile(version, strategy, faults));
        ReleaseSpec spec = ReleaseReader.read(file.toString(), Files.readString(file));
        Instant start = Instant.now();
        String id = client.submit(file.getFileName().toString(), work.toString(), "demo", Files.readString(file), false).path("id").asText();
        ReleaseFollower.Followed f = ReleaseFollower.follow(client, id, spec, term, false);
        Duration took = Duration.between(start, Instant.now());
        Optional<Long> toStable = f.ofKind("trafficRestored").stream().findFirst().map(x -> x.path("millis").asLong());
        Optional<Duration> onsetToDecision = onset(f).flatMap(onset -> f.ofKind("rollbackDecided").stream().findFirst()
                .map(d -> Duration.between(onset, Instant.parse(d.path("at").asText()))));
        long canary5xx = f.ofKind("verdict").stream()
                .mapToLong(v -> Math.round(v.path("canaryRequests").asLong() * v.path("canaryErrorRate").asDouble())).sum();
        term.line("");
        return new Row(version, strategy.equals("blueGreen") ? "blue-green" : version.equals("v1") ? "first" : "canary", expected, f.outcome(), took,
                onsetToDecision, toStable, canary5xx, load.failureCount() - failedBefore);
    }

    /** When the bad version's errors began, from its instances' own logs (the earliest). */
    private static Optional<Instant> onset(ReleaseFollower.Followed f) {
        List<Instant> onsets = new ArrayList<>();
        for (JsonNode started : f.ofKind("instancesStarted")) {
            for (JsonNode inst : started.path("instances")) {
                try {
                    Matcher m = ONSET.matcher(Files.readString(Path.of(inst.path("log").asText())));
                    if (m.find()) {
                        onsets.add(Instant.ofEpochMilli(Long.parseLong(m.group(1))));
                    }
                } catch (IOException ignored) {
                    // no log: no onset to report
                }
            }
        }
        return onsets.stream().min(Comparator.naturalOrder());
    }

    private String releaseFile(String version, String strategy, String faults) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String steps = strategy.equals("canary") ? "    steps: [{weight: 10}, {bake: %s}, {weight: 50}, {bake: %s}]\n".formatted(Durations.format(bake),
                Durations.format(bake)) : "";
        return """
                release: web-%s-%d
                services:
                  - name: web
                    version: %s
                    run:
                      command: ["%s", -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx96m, -cp, "%s", io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}", SERVICE_NAME: web%s}
                      replicas: 2
                      stopGrace: 5s
                    route: {pathPrefix: /web}
                    readiness: {path: /ready, interval: 200ms, deadline: 30s}
                    smoke: [{name: home, request: {path: /web}, expect: {status: 200, bodyContains: hello}}]
                    strategy: %s
                %s    analysis:
                      judge: sequential
                      interval: 1s
                      minRequests: 20
                      postPromotion: 3s
                      rules: [{errorRate: {max: 1%%}}, {latency: {percentile: 99, max: 500ms}}]
                    keepPrevious: 3s
                """.formatted(version, System.currentTimeMillis() % 100_000, version, java, cp, faults, strategy, steps);
    }

    private void summary(Result r, LoadGenerator.Snapshot checkout) {
        term.line(term.bold("Releases of web"));
        term.line(String.format(Locale.ROOT, "  %-8s %-11s %-12s %8s  %-16s %-17s %s", "VERSION", "STRATEGY", "OUTCOME", "TOOK", "ONSET->DECISION",
                "DECISION->STABLE", "FAILED"));
        for (Row row : r.rows()) {
            term.line(String.format(Locale.ROOT, "  %-8s %-11s %-12s %7.1fs  %-16s %-17s %s", row.version(), row.strategy(), outcome(row.outcome(), row.expected()),
                    row.took().toMillis() / 1000.0,
                    row.onsetToDecision().map(d -> String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0)).orElse("-"),
                    row.decisionToStableMillis().map(ms -> ms + " ms").orElse("-"), failed(row.failed())));
        }
        term.line("");
        term.line(term.bold("Releases of the shop") + " (four services, one release each)");
        term.line(String.format(Locale.ROOT, "  %-9s %-44s %-12s %8s  %-17s %s", "RELEASE", "WAVES", "OUTCOME", "TOOK", "RELEASE ROLLBACK", "FAILED"));
        for (ShopRow row : r.shop()) {
            term.line(String.format(Locale.ROOT, "  %-9s %-44s %-12s %7.1fs  %-17s %s", row.release(), row.wavesText(), outcome(row.outcome(), row.expected()),
                    row.took().toMillis() / 1000.0, row.rollbackMillis().map(ms -> ms + " ms").orElse("-"), failed(row.failed())));
            if (row.reason() != null) {
                term.line("            " + term.dim(row.reason()));
            }
        }
        term.line("  release rollback: from the failing service's rollback decision to every service of the release on its previous version");
        term.line("");
        term.line(term.bold("Releases of the inventory") + " (PostgreSQL schema changes as expand/contract)");
        term.line(String.format(Locale.ROOT, "  %-20s %-12s %8s  %-6s %s", "RELEASE", "OUTCOME", "TOOK", "FAILED", "DATABASE"));
        for (InventoryDemo.Row row : r.inventory()) {
            term.line(String.format(Locale.ROOT, "  %-20s %-12s %7.1fs  %-6s %s", row.release(), outcome(row.outcome(), row.expected()),
                    row.took().toMillis() / 1000.0, failed(row.failed()), row.migrations()));
        }
        term.line("");
        term.line(term.bold("Releases of the fleet") + " (twelve customers, each on its own host and instances)");
        term.line(String.format(Locale.ROOT, "  %-9s %-12s %8s  %-16s %-17s %s", "RELEASE", "OUTCOME", "TOOK", "CUSTOMERS FAILED", "RELEASE ROLLBACK",
                "FAILED"));
        for (FleetDemo.Row row : r.fleet()) {
            term.line(String.format(Locale.ROOT, "  %-9s %-12s %7.1fs  %-16s %-17s %s", row.release(), outcome(row.outcome(), row.expected()),
                    row.took().toMillis() / 1000.0, FleetDemo.customers(row.failedCustomers()), row.rollbackMillis().map(ms -> ms + " ms").orElse("-"),
                    failed(row.failed())));
            term.line("            " + term.dim("rings: " + row.rings()));
        }
        term.line("");
        term.line(term.bold("Totals") + " (users' view, through the router)");
        term.line(String.format(Locale.ROOT, "  requests          %,d", r.requests()));
        term.line("  failed            " + (r.failed() == 0 ? term.green("0") + "   not one user request failed, the bad releases included"
                : term.red(String.format(Locale.ROOT, "%,d", r.failed()))));
        term.line(String.format(Locale.ROOT, "  bad canary's 5xx  %,d seen by the analysis, none by users (the canary shield served them from stable)", r.bad5xxSeen()));
        term.line(String.format(Locale.ROOT, "  latency           /web p50 %.1f ms, p99 %.1f ms; /checkout (four services deep) p50 %.1f ms, p99 %.1f ms",
                r.p50(), r.p99(), checkout.p50Millis(), checkout.p99Millis()));
        StringBuilder v = new StringBuilder();
        r.byVersion().forEach((k, n) -> v.append(String.format(Locale.ROOT, "%s %,d  ", k, n)));
        term.line("  web served by     " + v.toString().trim());
        r.firstFailures().forEach(f -> term.line("  " + term.red("failure") + " " + f));
        term.line("");
    }

    private String outcome(String outcome, String expected) {
        return outcome.equals(expected) ? outcome : term.red(outcome + " (expected " + expected + ")");
    }

    private String failed(long n) {
        return n == 0 ? term.green("0") : term.red(String.valueOf(n));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
