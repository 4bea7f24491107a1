package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.route.RouteJson;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The README's main job, run the way a user runs it (as a process), checked by its JSON totals. In the
 * crash-recovery lane, never beside that test: each alone keeps 2 cores busy, and together they starved
 * instances past their readiness deadlines (junit-platform.properties).
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(CrashRecoveryTest.LANE)
class DemoTest {
    /** The services the demo started: processes whose data directory is a demo's (other tests may run services meanwhile). */
    static Set<Long> demoInstances() {
        return ProcessHandle.allProcesses().filter(p -> environ(p.pid()).contains("GLIDEPATH_DATA_DIR=" + System.getProperty("java.io.tmpdir")
                        .replaceAll("/$", "") + "/glidepath-demo-")).map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** Processes with a demo's data directory on their command line (its router, supervisor and server). */
    static Set<Long> demoRoutersAndServers() {
        return ProcessHandle.allProcesses().filter(p -> proc(p.pid(), "cmdline").contains(System.getProperty("java.io.tmpdir")
                .replaceAll("/$", "") + "/glidepath-demo-")).map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static String environ(long pid) {
        return proc(pid, "environ");
    }

    /** /proc/PID/FILE (ProcessHandle.info() gives no arguments for a long command line), "" once the process is gone. */
    private static String proc(long pid, String file) {
        try {
            return new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc", String.valueOf(pid), file)));
        } catch (java.io.IOException | SecurityException gone) {
            return "";
        }
    }

    private static String between(String s, String from, String to) {
        int a = Math.max(0, s.indexOf(from));
        int b = s.indexOf(to, a);
        return s.substring(a, b < 0 ? s.length() : b);
    }

    @Test
    void theDemoShipsAServiceTheShopAndASchemaChangeUnderLoadWithoutOneFailedRequestAndLeavesNothingRunning() throws Exception {
        try (CliProcess demo = CliProcess.start("demo", "--output", "json")) {
            int code = demo.waitFor(720); // about 7 minutes alone on the 2-core machine of 2026-12-01; its default bakes, as users run it
            JsonNode r = RouteJson.MAPPER.readTree(demo.out());
            assertThat(code).as("exit code; result:\n" + r.toPrettyString() + "\nstderr:\n" + demo.err()).isZero();
            assertThat(r.path("failed").asLong()).as("requests users saw fail").isZero();
            assertThat(r.path("requests").asLong()).isGreaterThan(2_000);
            List<String> outcomes = new java.util.ArrayList<>();
            r.path("releases").forEach(x -> outcomes.add(x.path("version").asText() + " " + x.path("outcome").asText()));
            // on a failure below: what the demo said, to tell which proof or check decided
            String context = "\nresult:\n" + r.toPrettyString() + "\nthe bad release, as the demo printed it:\n" + between(demo.err(), "release v3", "release v4");
            assertThat(outcomes).as(context).containsExactly("v1 PROMOTED", "v2 PROMOTED", "v3 ROLLED_BACK", "v4 PROMOTED");
            JsonNode bad = r.path("releases").get(2);
            assertThat(bad.path("onsetToDecisionMillis").asLong()).as("onset to decision, ms" + context).isBetween(1L, 3_000L);
            assertThat(bad.path("decisionToStableMillis").asLong()).as("decision to 100% stable, ms").isLessThan(1_000L);
            assertThat(r.path("bad5xxSeenByAnalysis").asLong()).as("the analysis saw the bad canary's errors" + context).isPositive();
            assertThat(r.path("byVersion").path("v3").asLong()).as("the bad canary served users before it turned bad" + context).isPositive();
            r.path("releases").forEach(x -> assertThat(x.path("failed").asLong()).as(x.toString()).isZero());

            List<String> shop = new java.util.ArrayList<>();
            r.path("shop").forEach(x -> shop.add(x.path("release").asText() + " " + x.path("outcome").asText()));
            assertThat(shop).containsExactly("shop-v1 PROMOTED", "shop-v2 PROMOTED", "shop-v3 ROLLED_BACK");
            assertThat(r.path("shop").get(1).path("waves").toString()).isEqualTo("[[\"pricing\",\"inventory\"],[\"catalog\"],[\"gateway\"]]");
            JsonNode failing = r.path("shop").get(2);
            assertThat(failing.path("reason").asText()).contains("gateway");
            assertThat(failing.path("releaseRollbackMillis").asLong()).as("decision to every service on its previous version, ms").isBetween(0L, 1_000L);
            r.path("shop").forEach(x -> assertThat(x.path("failed").asLong()).as(x.toString()).isZero());

            // the inventory on the PostgreSQL the demo started: the rename as expand/contract, and the locking release refused
            List<String> inventory = new java.util.ArrayList<>();
            r.path("inventory").forEach(x -> inventory.add(x.path("release").asText() + " " + x.path("outcome").asText()));
            assertThat(inventory).containsExactly("inventory-v1 PROMOTED", "inventory-v2 PROMOTED", "inventory-v3-locking CANCELLED");
            assertThat(r.path("inventory").get(1).path("migrations").asText()).contains("applied V2__quantity_column.sql",
                    "applied V3__backfill_quantity.sql", "previous version proven on the expanded schema", "contracted");
            assertThat(r.path("inventory").get(2).path("migrations").asText()).isEqualTo("refused by the gate (1 finding)");
            r.path("inventory").forEach(x -> assertThat(x.path("failed").asLong()).as(x.toString()).isZero());
            assertThat(demo.err()).contains("require-concurrent-index-creation", "Safe way: CREATE INDEX CONCURRENTLY");

            // the fleet: v1 to all twelve, v2 in three rings, v3 stopped by the budget in ring early with everyone back on v2
            List<String> fleet = new java.util.ArrayList<>();
            r.path("fleet").forEach(x -> fleet.add(x.path("release").asText() + " " + x.path("outcome").asText()));
            String fleetContext = context + "\nthe fleet, as the demo printed it:\n" + between(demo.err(), "release fleet-v1", "Glidepath is down");
            assertThat(fleet).as(fleetContext).containsExactly("fleet-v1 PROMOTED", "fleet-v2 PROMOTED", "fleet-v3 ROLLED_BACK");
            assertThat(r.path("fleet").get(1).path("rings").asText()).isEqualTo("internal (1) > early (3) > rest (8)");
            assertThat(r.path("fleet").get(2).path("failedCustomers").toString()).as(fleetContext).contains("c03").contains("c04");
            // the updated customers flip back without waiting for those still in their canary (customers do not call each other)
            assertThat(r.path("fleet").get(2).path("releaseRollbackMillis").asLong()).as("decision to every customer back, ms").isBetween(0L, 1_000L);
            r.path("fleet").forEach(x -> assertThat(x.path("failed").asLong()).as(x + fleetContext).isZero());
            assertThat(demo.err()).contains("release v4").contains("release shop-v3").contains("Glidepath is down");
            assertThat(demoInstances()).as("no service the demo started left running").isEmpty();
            assertThat(demoRoutersAndServers()).as("no router or server left").isEmpty();
        }
    }

    @Test
    void aDemoKilledMidwayStopsEverythingItStarted() throws Exception {
        try (CliProcess demo = CliProcess.start("demo", "--output", "json")) {
            // its first release's instances are up: the router, the server and services run in sessions of their own
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(120)).until(() -> demoInstances().size() >= 2);
            demo.terminate();
            assertThat(demo.waitFor(120)).as("exit code after SIGTERM").isEqualTo(143);
            assertThat(demo.err()).contains("glidepath demo: interrupted; stopping what it started");
            // glidepath down waited for each to exit; a moment for the kernel to reap the last
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> demoInstances().isEmpty() && demoRoutersAndServers().isEmpty());
        }
    }
}
