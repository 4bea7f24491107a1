package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.cli.client.ServerClient;
import io.glidepath.cli.local.DataDir;
import io.glidepath.examples.SampleService;
import io.glidepath.load.LoadGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane dies at the worst moments and users never notice. The server runs as its own
 * process (as {@code glidepath up} starts it) with a failpoint armed: it halts right after
 * journaling a chosen event, before the step that event announces (as abruptly as SIGKILL). Then
 * {@code glidepath up} starts a new server, which must finish the release: PROMOTED when the
 * journal proves every step was done, else ROLLED_BACK. After each of the 21 points the store, the
 * platform and the router must agree (every service on one version everywhere, no canary, no
 * preview, no lock), no process may be left that the registry does not know, and the users behind
 * the router, under load the whole time, must see zero failed requests.
 */
class CrashRecoveryTest {
    @TempDir
    Path work;
    DataDir dir;
    LoadGenerator load;

    /** Where the server dies, what the new server must make of it, and what the test does meanwhile. */
    record Point(String failpoint, String expect, String variant, boolean abortAtPause) {
        static Point of(String failpoint, String expect) {
            return new Point(failpoint, expect, "", false);
        }
    }

    @AfterEach
    void down() throws Exception {
        if (load != null) {
            load.close();
        }
        if (dir != null) {
            try (CliProcess p = CliProcess.start("down", "--data-dir", dir.root().toString())) {
                p.waitFor(120);
            }
        }
    }

    @Test
    void blueGreenSurvivesTheServerDyingAtEachStep() throws Exception {
        run("bg", List.of("bg"), List.of("/"), List.of(
                Point.of("submitted@release", "ROLLED_BACK"),
                Point.of("phase.STARTING@bg", "ROLLED_BACK"),
                Point.of("instancesStarted@bg", "ROLLED_BACK"),
                Point.of("check@bg#2", "ROLLED_BACK"),
                Point.of("traffic@bg#2", "ROLLED_BACK"),
                Point.of("phase.PROMOTED@bg", "ROLLED_BACK"),
                Point.of("phase.DONE@bg", "PROMOTED")));
    }

    @Test
    void canarySurvivesTheServerDyingMidStepMidBakeAndMidRollback() throws Exception {
        String pause = "    steps: [{weight: 20}, {pause: manual}]\n";
        run("cn", List.of("cn"), List.of("/"), List.of(
                Point.of("traffic@cn#3", "ROLLED_BACK"),
                Point.of("verdict@cn", "ROLLED_BACK"),
                Point.of("traffic@cn#5", "ROLLED_BACK"),
                new Point("rollbackDecided@cn", "ROLLED_BACK", pause, true),
                new Point("phase.ROLLING_BACK@cn", "ROLLED_BACK", pause, true),
                new Point("trafficRestored@cn", "ROLLED_BACK", pause, true),
                new Point("instancesStopped@cn", "ROLLED_BACK", pause, true)));
        killTheRouterUnderLoad("cn", "v0");
    }

    /** The router killed with SIGKILL under load: `glidepath up` starts it again on the same addresses, with its routes. */
    private void killTheRouterUnderLoad(String service, String version) throws Exception {
        var endpoints = dir.endpoints().orElseThrow();
        load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", endpoints.proxy().port(), 6).withRate(200).withUsersPerConnection(16)).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 100);
        assertThat(load.failures()).isEmpty();

        ProcessHandle router = dir.process("router").orElseThrow();
        long killed = load.elapsedMillis();
        router.destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !router.isAlive());
        assertThat(up(null)).isZero();
        long upAgain = load.elapsedMillis();
        long served = load.requestCount();
        await("users' requests go through again").atMost(Duration.ofSeconds(30)).until(() -> load.requestCount() > served + 300);
        long failedInGap = load.failureCount();
        long settled = load.requestCount();
        await().atMost(Duration.ofSeconds(30)).until(() -> load.requestCount() > settled + 300);
        assertThat(load.failureCount()).as("no failure once the router is back").isEqualTo(failedInGap);
        long gap = failedInGap == 0 ? 0 : load.lastFailureMillis() - killed;
        System.out.printf("crash-recovery: router killed under load: up took %d ms, users saw failures for %d ms (%d failed requests)%n",
                upAgain - killed, gap, failedInGap);
        assertThat(load.failures()).allMatch(f -> f.atMillis() >= killed);
        // its routes came back from its state file: the same version, the server unaware of the gap
        assertAgreement(ServerClient.of(dir), List.of(service), version, "the router's restart");
    }


    @Test
    void aMultiServiceReleaseSurvivesTheServerDyingBetweenWavesAndMidReleaseRollback() throws Exception {
        String failingFront = "FAIL_READINESS";
        run("ms", List.of("back", "front"), List.of("/", "/back"), List.of(
                Point.of("wave@release#2", "ROLLED_BACK"),
                Point.of("traffic@front#2", "ROLLED_BACK"),
                // every service promoted and watched, but the last verify check not yet run: the journal proves no success
                Point.of("phase.DONE@front", "ROLLED_BACK"),
                Point.of("check@release#2", "PROMOTED"),
                new Point("rollbackDecided@release", "ROLLED_BACK", failingFront, false),
                new Point("phase.ROLLING_BACK@back", "ROLLED_BACK", failingFront, false),
                new Point("trafficRestored@release", "ROLLED_BACK", failingFront, false)));
    }

    /**
     * One data directory, one router, load on {@code paths} throughout; a first release {@code
     * GROUP-0} promoted normally, then one release per point, each killing its server.
     */
    private void run(String group, List<String> services, List<String> paths, List<Point> points) throws Exception {
        dir = new DataDir(work.resolve(group));
        String d = dir.root().toString();
        assertThat(up(group + "-1:" + points.get(0).failpoint(), "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0")).isZero();
        ServerClient api = ServerClient.of(dir);
        String first = submit(api, group, 0, services, "");
        await("the first release").atMost(Duration.ofSeconds(60)).until(() -> !api.release(first).path("state").asText().equals("RUNNING"));
        assertThat(api.release(first).path("state").asText()).as(String.join("\n", messages(api, first))).isEqualTo("PROMOTED");
        var endpoints = dir.endpoints().orElseThrow();
        load = new LoadGenerator(new LoadGenerator.Config("127.0.0.1", endpoints.proxy().port(), paths, 6, 16, 200, Duration.ofSeconds(10),
                Map.of(), "X-Version")).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 100);

        String current = "v0";
        for (int k = 1; k <= points.size(); k++) {
            Point p = points.get(k - 1);
            long t0 = System.currentTimeMillis();
            ServerClient c = ServerClient.of(dir);
            ProcessHandle server = dir.process("server").orElseThrow();
            String id = submit(c, group, k, services, p.variant());
            if (p.abortAtPause()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> messages(c, id).stream().anyMatch(m -> m.startsWith("paused at")));
                c.abort(id, "tester");
            }
            try {
                await("the server halts at " + p.failpoint()).atMost(Duration.ofSeconds(90)).until(() -> !server.isAlive());
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the server did not halt at " + p.failpoint() + "; the release's journal: " + messages(c, id), e);
            }
            assertThat(messages(dir, id)).as("the release did not finish before the crash at " + p.failpoint()).noneMatch(m -> m.contains(" promoted")
                    && m.startsWith("release "));

            System.out.printf("crash-recovery: %s crashed at %s after %d ms%n", id, p.failpoint(), System.currentTimeMillis() - t0);
            String next = k < points.size() ? group + "-" + (k + 1) + ":" + points.get(k).failpoint() : null;
            long restart = System.currentTimeMillis();
            assertThat(up(next)).as("restart after " + p.failpoint()).isZero();
            System.out.printf("crash-recovery: %s glidepath up (server start and recovery) took %d ms%n", id, System.currentTimeMillis() - restart);
            ServerClient again = ServerClient.of(dir);
            JsonNode end = again.release(id);
            assertThat(end.path("state").asText()).as("after a crash at " + p.failpoint() + ": " + end).isEqualTo(p.expect());
            List<String> journal = messages(again, id);
            assertThat(journal.getLast()).as("the journal ends the release").startsWith("release " + id);
            if (p.expect().equals("PROMOTED")) {
                current = "v" + k;
            }
            assertAgreement(again, services, current, p.failpoint());
            System.out.printf("crash-recovery: %s recovered %s at %d ms%n", id, p.expect(), System.currentTimeMillis() - t0);
        }
        load.close();
        assertThat(load.failures()).as("users' failed requests across " + points.size() + " server crashes").isEmpty();
        assertThat(load.snapshot().byVersion()).as("users were served by the versions promoted").containsKey(current);
    }

    /** The store, the platform and the router tell the same story, and no process runs that the registry does not know. */
    private void assertAgreement(ServerClient api, List<String> services, String version, String point) throws Exception {
        JsonNode all = api.services().path("services");
        Set<String> registered = new HashSet<>();
        for (String name : services) {
            JsonNode s = null;
            for (JsonNode x : all) {
                if (x.path("name").asText().equals(name)) {
                    s = x;
                }
            }
            assertThat(s).as(name + " after " + point).isNotNull();
            String what = name + " after a crash at " + point + ": " + s;
            assertThat(s.path("currentVersion").asText()).as(what).isEqualTo(version);
            assertThat(s.has("heldBy")).as(what).isFalse();
            assertThat(s.path("route").path("stable").asText()).as(what).isEqualTo(version);
            assertThat(s.path("route").path("canary").isNull()).as(what).isTrue();
            assertThat(s.path("route").path("preview").isNull()).as(what).isTrue();
            assertThat(s.path("route").path("canaryWeight").asInt()).as(what).isZero();
            assertThat(s.path("instances")).as(what).hasSize(1);
            s.path("instances").forEach(i -> {
                assertThat(i.path("version").asText()).as(what).isEqualTo(version);
                registered.add(i.path("id").asText());
            });
        }
        assertThat(instanceProcesses()).as("processes this data directory's platform started, after " + point).isEqualTo(registered);
    }

    /** Every live process carrying this data directory's instance marker, by instance id. */
    private Set<String> instanceProcesses() {
        String root = dir.root().toAbsolutePath().normalize().toString();
        Set<String> ids = new HashSet<>();
        ProcessHandle.allProcesses().forEach(h -> {
            Map<String, String> env = environ(h.pid());
            if (root.equals(env.get("GLIDEPATH_DATA_DIR")) && env.containsKey("GLIDEPATH_INSTANCE")) {
                ids.add(env.get("GLIDEPATH_INSTANCE"));
            }
        });
        return ids;
    }

    private static Map<String, String> environ(long pid) {
        Map<String, String> env = new HashMap<>();
        try {
            for (String kv : new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "environ")), StandardCharsets.UTF_8).split("\0")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
        } catch (IOException | SecurityException gone) {
            // the process ended, or is not ours
        }
        return env;
    }

    /** {@code glidepath up}, with the server's failpoint armed for the next release (none when null). */
    private int up(String failpoint, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("up", "--data-dir", dir.root().toString()));
        args.addAll(List.of(more));
        try (CliProcess p = CliProcess.start(failpoint == null ? Map.of() : Map.of("GLIDEPATH_FAILPOINT", failpoint), args.toArray(String[]::new))) {
            int code = p.waitFor(120);
            assertThat(code).as(p.out() + p.err()).isZero();
            return code;
        }
    }

    /**
     * Release {@code GROUP-K}: version vK of every service (the last one is the front, on "/"; a
     * single service is on "/"; the others on "/NAME"), canary for cn, blue-green otherwise.
     * {@code variant}: extra steps lines, or FAIL_READINESS to make the front never ready.
     */
    private String submit(ServerClient api, String group, int k, List<String> services, String variant) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        StringBuilder y = new StringBuilder("release: " + group + "-" + k + "\n");
        if (group.equals("ms")) {
            y.append("verify: [{name: front, request: {path: /}, expect: {status: 200}}]\n");
        }
        y.append("services:\n");
        for (int i = 0; i < services.size(); i++) {
            String name = services.get(i);
            boolean front = i == services.size() - 1;
            boolean failing = front && k > 0 && variant.equals("FAIL_READINESS");
            y.append("""
                      - name: %s
                        version: v%d
                    %s    run:
                          command: [%s, -XX:TieredStopAtLevel=1, -Xmx64m, -cp, %s, io.glidepath.examples.SampleService]
                          env: {PORT: "{{port}}", VERSION: "{{version}}"%s}
                          replicas: 1
                          stopGrace: 5s
                        route: {pathPrefix: %s, drainTimeout: 5s}
                        readiness: {path: /ready, interval: 100ms, deadline: %s}
                        smoke: [{name: home, request: {path: %s}, expect: {status: 200}}]
                        analysis: {interval: 1s, minRequests: 5, postPromotion: 1s}
                        keepPrevious: 1s
                        strategy: %s
                    """.formatted(name, k, i > 0 ? "    dependsOn: [" + services.get(i - 1) + "]\n" : "", java, cp,
                    failing ? ", FAIL_READINESS: \"true\"" : "", front ? "/" : "/" + name, failing ? "3s" : "20s", front ? "/" : "/" + name,
                    group.equals("cn") ? "canary" : "blueGreen"));
            if (group.equals("cn")) {
                y.append(k > 0 && variant.startsWith("    steps") ? variant : "    steps: [{weight: 20}, {bake: 1s}, {weight: 60}, {bake: 1s}]\n");
            }
        }
        Path f = work.resolve(group + "-" + k + ".yaml");
        Files.writeString(f, y);
        String id = group + "-" + k;
        try {
            assertThat(api.submit(f.toString(), work.toString(), "tester", y.toString(), false).path("id").asText()).isEqualTo(id);
        } catch (ServerClient.Unreachable e) {
            // the server may die before it answers: its first event is journaled while the submission is handled
        }
        return id;
    }

    private static List<String> messages(ServerClient api, String id) throws Exception {
        List<String> m = new ArrayList<>();
        api.events(id, 0).path("events").forEach(e -> m.add(e.path("message").asText()));
        return m;
    }

    /** The journal read straight from the store file while no server runs (plain JDBC: opening the store would migrate it). */
    private static List<String> messages(DataDir dir, String id) throws Exception {
        List<String> m = new ArrayList<>();
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.server().resolve("glidepath.db"));
             var ps = c.prepareStatement("SELECT json FROM events WHERE release_id = ? ORDER BY seq")) {
            ps.setString(1, id);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    m.add(io.glidepath.engine.EventJson.read(rs.getString(1)).message());
                }
            }
        }
        return m;
    }
}
