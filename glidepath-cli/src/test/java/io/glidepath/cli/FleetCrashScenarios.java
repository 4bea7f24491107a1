package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.examples.SampleService;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The server (a process, as {@code glidepath up} starts it) killed like SIGKILL while it ships a
 * fleet of four customers in three rings ([a], [b, c], [d]), b's new version broken by its own
 * configuration (a flag only b turns on) and a failure budget of one customer: right after b's
 * failure was journaled (b's new instance not yet stopped), and mid-ring after it (c promoted and
 * watched, d not started). {@code glidepath up} starts a new server, which must go on past b's failure
 * (not roll the fleet back), stop what b's rollback left running, finish the rings and promote, with
 * b on its previous version; the users of every customer's host without a failed request. Run side by
 * side with the other crash scenarios ({@link CrashRecoveryTest}).
 */
final class FleetCrashScenarios {
    static final List<String> CUSTOMERS = List.of("a", "b", "c", "d");
    private final Path work;

    FleetCrashScenarios(Path work) {
        this.work = work;
    }

    Map<String, Callable<Void>> scenarios() {
        Map<String, Callable<Void>> all = new LinkedHashMap<>();
        all.put("fleet", this::crashTwice);
        return all;
    }

    private Void crashTwice() throws Exception {
        Path example = Files.createDirectories(work.resolve("fleet-example"));
        Files.writeString(example.resolve("customers.yaml"), """
                customers:
                  - {name: a, host: a.fleet.test}
                  - {name: b, host: b.fleet.test, env: {LEGACY_BILLING: "on"}}
                  - {name: c, host: c.fleet.test}
                  - {name: d, host: d.fleet.test}
                """);
        DataDir dir = new DataDir(work.resolve("fleet"));
        List<LoadGenerator> loads = new ArrayList<>();
        try {
            assertThat(CliProcess.up(dir, "fl-2:customerFailed@web.b", "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0")).isZero();
            ServerClient api = ServerClient.of(dir);
            String v1 = submit(api, example, 1);
            await().atMost(Duration.ofSeconds(90)).until(() -> !api.release(v1).path("state").asText().equals("RUNNING"));
            assertThat(api.release(v1).path("state").asText()).as(String.join("\n", Journals.messages(api, v1))).isEqualTo("PROMOTED");
            int proxy = dir.endpoints().orElseThrow().proxy().port();
            for (String c : CUSTOMERS) {
                loads.add(new LoadGenerator(new LoadGenerator.Config("127.0.0.1", proxy, List.of("/"), 1, 4, 25, Duration.ofSeconds(10),
                        Map.of("Host", c + ".fleet.test"), "X-Version")).start());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> loads.stream().allMatch(l -> l.requestCount() > 20));

            // 1: the server dies right after b's failure is journaled; the next server goes on, then dies mid-ring in release fl-3
            goesOnAfterACrash(dir, example, 2, "fl-2:customerFailed@web.b", "fl-3:phase.DONE@web.c",
                    "customer b (ring two) failed and is back on its previous version");
            // 2: c promoted and watched, d not started, b's failure journaled before: the next server finishes the rings
            goesOnAfterACrash(dir, example, 3, "fl-3:phase.DONE@web.c", null, "web.c v3 serves all traffic");

            long served = loads.stream().mapToLong(LoadGenerator::requestCount).sum();
            await().atMost(Duration.ofSeconds(20)).until(() -> loads.stream().mapToLong(LoadGenerator::requestCount).sum() > served + 100);
            assertThat(loads.stream().flatMap(l -> l.failures().stream()).toList()).as("users' failed requests across two server crashes").isEmpty();
            return null;
        } finally {
            for (LoadGenerator l : loads) {
                l.close();
            }
            try (CliProcess p = CliProcess.start("down", "--data-dir", dir.root().toString())) {
                p.waitFor(120);
            }
        }
    }

    /** Release fl-K (version vK) dies at {@code failpoint}; {@code glidepath up} (arming {@code next}) must finish it, b on its previous version. */
    private void goesOnAfterACrash(DataDir dir, Path example, int k, String failpoint, String next, String lastBeforeCrash) throws Exception {
        ProcessHandle server = dir.process("server").orElseThrow();
        ServerClient api = ServerClient.of(dir);
        long t0 = System.currentTimeMillis();
        String id = submit(api, example, k);
        await("the server halts at " + failpoint).atMost(Duration.ofSeconds(90)).until(() -> !server.isAlive());
        List<String> atCrash = Journals.messages(dir, id);
        // journaled before the crash; not always last: customers deploy side by side, and another's event may be
        // written between this one and the halt
        assertThat(atCrash).as("journaled before the crash").anyMatch(m -> m.startsWith(lastBeforeCrash));

        assertThat(CliProcess.up(dir, next)).isZero();
        ServerClient again = ServerClient.of(dir);
        await("release " + id + " ends after the restart").atMost(Duration.ofSeconds(90))
                .until(() -> !again.release(id).path("state").asText().equals("RUNNING"));
        List<String> journal = Journals.messages(again, id);
        JsonNode end = again.release(id);
        // the state, reason and journal first: a build's summary shows only the start of the message
        assertThat(end.path("state").asText()).as(id + " ended " + end.path("state").asText() + " (" + end.path("reason").asText() + "); journal: "
                + String.join(" | ", journal) + "\n" + end).isEqualTo("PROMOTED");
        assertThat(end.path("reason").asText()).isEqualTo("1 customer failed and is back on the previous version: web.b");
        assertThat(journal).anyMatch(m -> m.startsWith("the server restarted"));
        assertThat(journal.stream().filter(m -> m.startsWith("customer b (ring two) failed")).count()).as("b failed once, not deployed again").isEqualTo(1);
        String version = "v" + k;
        await("store, platform and router agree after " + failpoint).atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            for (JsonNode s : again.services().path("services")) {
                String want = s.path("name").asText().equals("web.b") ? "v1" : version;
                assertThat(s.path("currentVersion").asText()).as(s.toString()).isEqualTo(want);
                assertThat(s.path("route").path("stable").asText()).as(s.toString()).isEqualTo(want);
                assertThat(s.path("instances")).as(s.toString()).hasSize(1).allSatisfy(i -> assertThat(i.path("version").asText()).isEqualTo(want));
            }
            // nothing of b's broken version left running: the server that died had not stopped it yet
            assertThat(instanceProcesses(dir)).as("instance processes").noneMatch(v -> v.startsWith("web.b-") && v.endsWith(" " + version));
        });
        System.out.printf("crash-recovery: %s crashed at %s, went on past b's failure and promoted the fleet at %d ms%n", id, failpoint,
                System.currentTimeMillis() - t0);
    }

    /** Release fl-K: vK of web to the fleet in rings [a], [b, c], [d]; b's configuration reaches the broken path from v2 on. */
    private static String submit(ServerClient api, Path example, int k) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String yaml = """
                release: fl-%d
                services:
                  - name: web
                    version: v%d
                    run:
                      command: [%s, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx64m, -cp, %s, io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}", LEGACY_BILLING: "off"%s}
                      stopGrace: 5s
                    route: {pathPrefix: /, drainTimeout: 5s}
                    readiness: {path: /ready, interval: 100ms, deadline: 20s}
                    smoke: [{name: home, request: {path: /}, expect: {status: 200}}]
                    strategy: canary
                    steps: [{weight: 50}, {bake: 2s}]
                    analysis: {interval: 1s, minRequests: 5, postPromotion: 1s}
                    keepPrevious: 1s
                    fleet:
                      file: customers.yaml
                      rings: [{name: one, customers: [a]}, {name: two, customers: [b, c]}, {name: three}]
                      failureBudget: {max: 1}
                """.formatted(k, k, java, cp, k > 1 ? ", BROKEN_WITH: LEGACY_BILLING" : "");
        Path f = example.resolve("fl-" + k + ".yaml");
        Files.writeString(f, yaml);
        String id = "fl-" + k;
        try {
            assertThat(api.submit(f.toString(), example.toString(), "tester", yaml, false).path("id").asText()).isEqualTo(id);
        } catch (ServerClient.Unreachable e) {
            // the server may die before it answers
        }
        return id;
    }

    /** Every live instance process of this data directory: "INSTANCE-ID VERSION". */
    private static List<String> instanceProcesses(DataDir dir) {
        String root = dir.root().toAbsolutePath().normalize().toString();
        List<String> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            Map<String, String> env = CrashRecoveryTest.environ(h.pid());
            if (root.equals(env.get("GLIDEPATH_DATA_DIR")) && env.containsKey("GLIDEPATH_INSTANCE")) {
                out.add(env.get("GLIDEPATH_INSTANCE") + " " + env.get("VERSION"));
            }
        });
        return out;
    }

}
