package io.glidepath.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.examples.SampleService;
import io.glidepath.journal.EventJson;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.testkit.net.ChildPorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The control plane and the data plane dying under load, as users run Glidepath ({@code glidepath
 * up}: router and server as their own processes):
 * <ol>
 * <li>RUNS times, the server killed with SIGKILL mid-canary (30% on the canary, then a manual
 * pause): the time {@code glidepath up} takes to start a new server, which reconciles the release
 * first and goes on with it (it pauses again; the bench promotes it), and users' failed requests
 * (must be 0: the router serves throughout);</li>
 * <li>RUNS times, the router killed with SIGKILL, and nobody running {@code glidepath up}: the
 * time its supervisor takes to have it ready again (its routes from its state file), and how long
 * users saw failures, with how many;</li>
 * <li>RUNS times, a planned restart ({@code glidepath restart-router}) under the same load;</li>
 * <li>the anchors, in the same run: nginx (one process, proxying to the same instance) killed with
 * SIGKILL and started again; nginx with a master and a worker, the worker killed with SIGKILL (the
 * master keeps the listener and starts another); and {@code nginx -s reload}; measured the same way.</li>
 * </ol>
 * Arguments: the glidepath launcher. Settings: RUNS=5, PARTS=server,router,nginx (any of them, comma-separated).
 */
public final class RecoveryBench {
    private final String launcher;
    private final Path data;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private String api;
    private String token;

    private RecoveryBench(String launcher, Path data) {
        this.launcher = launcher;
        this.data = data;
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(System.getenv().getOrDefault("RUNS", "5"));
        List<String> parts = List.of(System.getenv().getOrDefault("PARTS", "server,router,nginx").split(","));
        RecoveryBench b = new RecoveryBench(args[0], Files.createTempDirectory("glidepath-recovery-bench-"));
        b.glidepath("up", "--listen", "127.0.0.1:0", "--router-admin", "127.0.0.1:0", "--api", "127.0.0.1:0");
        try {
            JsonNode endpoints = EventJson.MAPPER.readTree(Files.readString(b.data.resolve("run/endpoints.json")));
            b.api = "http://" + endpoints.path("api").asText();
            b.token = Files.readString(b.data.resolve("server/server.token")).strip();
            int proxy = Integer.parseInt(endpoints.path("proxy").asText().replaceAll(".*:", ""));
            b.await(b.submit("v0", ""), "PROMOTED");
            LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", proxy, 8).withRate(300).withUsersPerConnection(32)).start();
            b.waitFor(() -> load.requestCount() > 300, Duration.ofSeconds(10));

            List<double[]> server = new ArrayList<>();
            for (int i = 1; parts.contains("server") && i <= runs; i++) {
                String id = b.submit("v" + i, "    steps: [{weight: 30}, {pause: manual}]\n");
                b.waitFor(() -> b.messages(id).stream().anyMatch(m -> m.endsWith(" at 30%")), Duration.ofSeconds(60));
                kill(b.data.resolve("run/server.pid"));
                long t0 = System.nanoTime();
                b.glidepath("up");
                double up = (System.nanoTime() - t0) / 1e6;
                // the new server goes on with the canary it adopted and pauses again: promote it
                b.waitFor(() -> {
                    List<String> m = b.messages(id);
                    int restarted = m.indexOf(m.stream().filter(x -> x.startsWith("the server restarted at")).findFirst().orElse(""));
                    return restarted >= 0 && m.subList(restarted, m.size()).stream().anyMatch(x -> x.startsWith("paused at"));
                }, Duration.ofSeconds(60));
                b.post("/v1/releases/" + id + "/promote");
                b.await(id, "PROMOTED");
                server.add(new double[] {up, 1});
                System.err.printf(Locale.ROOT, "server killed mid-canary %d/%d: up (start + recovery) %.0f ms, release resumed and promoted%n", i, runs, up);
            }
            long serverFailures = load.failureCount();

            List<double[]> router = new ArrayList<>();
            for (int i = 1; parts.contains("router") && i <= runs; i++) {
                // one crash, not a crash loop: the supervisor backs off crashes within 10 s of a router's start
                Thread.sleep(11_000);
                router.add(gap(load, () -> {
                    Path pidFile = b.data.resolve("run/router.pid");
                    String killed = Files.readString(pidFile).strip();
                    long t0 = System.nanoTime();
                    kill(pidFile);
                    // nobody runs glidepath up: the supervisor writes the new router's pid once it is ready
                    waitFor(() -> alive(pidFile, killed), Duration.ofSeconds(60), "the router's supervisor to start it again");
                    return (System.nanoTime() - t0) / 1e6;
                }));
                System.err.printf(Locale.ROOT, "router killed %d/%d: ready again in %.0f ms, users saw failures for %.0f ms (%.0f failed; %.0f ms and %.0f after it was ready)%n",
                        i, runs, router.getLast()[0], router.getLast()[1], router.getLast()[2], router.getLast()[3], router.getLast()[4]);
            }
            List<double[]> restarts = new ArrayList<>();
            for (int i = 1; parts.contains("router") && i <= runs; i++) {
                restarts.add(gap(load, () -> {
                    long t0 = System.nanoTime();
                    b.glidepath("restart-router"); // returns once the new router serves and answers its admin API
                    return (System.nanoTime() - t0) / 1e6;
                }));
                System.err.printf(Locale.ROOT, "router restarted (planned) %d/%d: %.0f ms, %.0f failed requests%n", i, runs, restarts.getLast()[0],
                        restarts.getLast()[2]);
            }
            load.close();

            List<double[]> nginx = parts.contains("nginx") ? b.nginxAnchor(runs) : List.of();
            List<List<double[]>> nginxMaster = parts.contains("nginx") ? b.nginxMasterAnchor(runs) : List.of(List.of(), List.of());

            System.out.println("Crash recovery under load (300 requests/s, 8 keep-alive connections), " + runs + " runs each, median / worst");
            System.out.printf(Locale.ROOT, "%-64s %10s %10s%n", "", "median", "worst");
            if (!server.isEmpty()) {
                row("server SIGKILL mid-canary: glidepath up, recovery included, ms", server, 0);
                System.out.printf(Locale.ROOT, "%-64s %10d%n", "  releases the new server went on with, then promoted (of " + runs + ")",
                        server.stream().mapToLong(r -> (long) r[1]).sum());
                System.out.printf(Locale.ROOT, "%-64s %10d%n", "  users' failed requests while the server was dead or recovering", serverFailures);
            }
            if (!router.isEmpty()) {
                row("router SIGKILL: its supervisor has it ready again (routes restored), ms", router, 0);
                row("router SIGKILL: users saw failures for, ms", router, 1);
                row("router SIGKILL: users' failed requests", router, 2);
                row("  of which after it was ready again, ms", router, 3);
                row("  of which after it was ready again, failed requests", router, 4);
            }
            if (!restarts.isEmpty()) {
                row("router planned restart (glidepath restart-router), ms", restarts, 0);
                row("router planned restart: users' failed requests", restarts, 2);
            }
            if (!nginxMaster.get(0).isEmpty()) {
                row("anchor nginx worker SIGKILL (master respawns it), ms", nginxMaster.get(0), 0);
                row("anchor nginx worker SIGKILL: users saw failures for, ms", nginxMaster.get(0), 1);
                row("anchor nginx worker SIGKILL: users' failed requests", nginxMaster.get(0), 2);
                row("anchor nginx reload (nginx -s reload), ms", nginxMaster.get(1), 0);
                row("anchor nginx reload: users' failed requests", nginxMaster.get(1), 2);
            }
            if (!nginx.isEmpty()) {
                row("anchor nginx SIGKILL: restart, ms", nginx, 0);
                row("anchor nginx SIGKILL: users saw failures for, ms", nginx, 1);
                row("anchor nginx SIGKILL: users' failed requests", nginx, 2);
            }
        } finally {
            b.glidepath("down");
        }
    }

    @FunctionalInterface
    interface Restart {
        double restart() throws Exception;
    }

    /**
     * Kills and restarts through {@code restart}; returns {restart ms, ms users saw failures, failed requests,
     * ms of failures after the restart returned, failed requests after it returned}.
     */
    static double[] gap(LoadGenerator load, Restart restart) throws Exception {
        long before = load.failureCount();
        long killed = load.elapsedMillis();
        double took = restart.restart();
        long returned = load.elapsedMillis();
        long failedBeforeReturn = load.failureCount();
        long served = load.requestCount();
        waitFor(() -> load.requestCount() > served + 300, Duration.ofSeconds(30), "users' requests to go through again");
        long failed = load.failureCount() - before;
        long failedAfter = load.failureCount() - failedBeforeReturn;
        return new double[] {took, failed == 0 ? 0 : Math.max(0, load.lastFailureMillis() - killed), failed,
                failedAfter == 0 ? 0 : Math.max(0, load.lastFailureMillis() - returned), failedAfter};
    }

    /** nginx, one process (no master: killing it kills the listener), in front of the instance the router serves. */
    private List<double[]> nginxAnchor(int runs) throws Exception {
        JsonNode svc = get("/v1/services").path("services").get(0);
        String upstream = svc.path("instances").get(0).path("address").asText();
        Path dir = Files.createTempDirectory("glidepath-recovery-nginx-");
        int port = ChildPorts.free(); // below the ephemeral range: nginx binds it a moment later
        writeNginxConf(dir, upstream, port, false);
        Process nginx = startNginx(dir, port);
        LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", port, 8).withRate(300).withUsersPerConnection(32)).start();
        waitFor(() -> load.requestCount() > 300, Duration.ofSeconds(10), "nginx to serve");
        List<double[]> out = new ArrayList<>();
        Process[] current = {nginx};
        try {
            for (int i = 0; i < runs; i++) {
                out.add(gap(load, () -> {
                    current[0].toHandle().destroyForcibly();
                    current[0].waitFor(5, TimeUnit.SECONDS);
                    long t0 = System.nanoTime();
                    current[0] = startNginx(dir, port);
                    return (System.nanoTime() - t0) / 1e6;
                }));
            }
        } finally {
            load.close();
            current[0].toHandle().destroyForcibly();
        }
        return out;
    }

    /**
     * nginx as it runs in production: a master holding the listener and one worker. Returns the worker
     * killed with SIGKILL (the master starts another) and {@code nginx -s reload} (new worker, the old one
     * closes its idle keep-alive connections), each RUNS times under the same load.
     */
    private List<List<double[]>> nginxMasterAnchor(int runs) throws Exception {
        JsonNode svc = get("/v1/services").path("services").get(0);
        String upstream = svc.path("instances").get(0).path("address").asText();
        Path dir = Files.createTempDirectory("glidepath-recovery-nginx-master-");
        int port = ChildPorts.free(); // below the ephemeral range: nginx binds it a moment later
        writeNginxConf(dir, upstream, port, true);
        Process master = startNginx(dir, port);
        LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", port, 8).withRate(300).withUsersPerConnection(32)).start();
        waitFor(() -> load.requestCount() > 300, Duration.ofSeconds(10), "nginx to serve");
        List<double[]> workerKills = new ArrayList<>();
        List<double[]> reloads = new ArrayList<>();
        try {
            for (int i = 0; i < runs; i++) {
                workerKills.add(gap(load, () -> {
                    ProcessHandle worker = master.toHandle().children().findFirst().orElseThrow();
                    long t0 = System.nanoTime();
                    worker.destroyForcibly();
                    waitFor(() -> master.toHandle().children().anyMatch(c -> c.pid() != worker.pid() && c.isAlive()), Duration.ofSeconds(10),
                            "nginx's master to start a worker");
                    return (System.nanoTime() - t0) / 1e6;
                }));
            }
            for (int i = 0; i < runs; i++) {
                reloads.add(gap(load, () -> {
                    List<Long> before = master.toHandle().children().map(ProcessHandle::pid).toList();
                    long t0 = System.nanoTime();
                    Process reload = new ProcessBuilder("nginx", "-c", dir.resolve("nginx.conf").toString(), "-p", dir.toString(), "-s", "reload")
                            .redirectErrorStream(true).start();
                    reload.waitFor(10, TimeUnit.SECONDS);
                    waitFor(() -> master.toHandle().children().allMatch(c -> !before.contains(c.pid())) && master.toHandle().children().findAny().isPresent(),
                            Duration.ofSeconds(30), "nginx's old worker to finish");
                    return (System.nanoTime() - t0) / 1e6;
                }));
            }
        } finally {
            load.close();
            master.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            master.toHandle().destroyForcibly();
        }
        return List.of(workerKills, reloads);
    }

    /** nginx in front of {@code upstream}: one process ({@code master} false: killing it kills the listener), or a master and a worker. */
    private static void writeNginxConf(Path dir, String upstream, int port, boolean master) throws java.io.IOException {
        Files.writeString(dir.resolve("nginx.conf"), """
                %4$sdaemon off; worker_processes 1; pid %1$s/nginx.pid; error_log %1$s/error.log;
                events { worker_connections 1024; }
                http { access_log off;
                  upstream app { server %2$s; keepalive 32; }
                  server { listen 127.0.0.1:%3$d; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
                """.formatted(dir, upstream, port, master ? "" : "master_process off; "));
    }

    private static Process startNginx(Path dir, int port) throws Exception {
        Process p = new ProcessBuilder("nginx", "-c", dir.resolve("nginx.conf").toString(), "-p", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
        waitFor(() -> {
            try (var s = new java.net.Socket("127.0.0.1", port)) {
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        }, Duration.ofSeconds(10), "nginx to listen");
        return p;
    }

    /**
     * SIGKILL, then wait until the process is dead: gone, or a zombie waiting for init to reap it (which
     * init here does about 1.5 s late; {@code glidepath up} counts a zombie as stopped).
     */
    private static void kill(Path pidFile) throws Exception {
        ProcessHandle h = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).orElseThrow();
        h.destroyForcibly();
        waitFor(() -> !h.isAlive() || zombie(h.pid()), Duration.ofSeconds(10), "the killed process to die");
    }

    /** The pid file names a running process other than {@code killed}. */
    private static boolean alive(Path pidFile, String killed) {
        try {
            String pid = Files.readString(pidFile).strip();
            return !pid.equals(killed) && ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive).isPresent() && !zombie(Long.parseLong(pid));
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        } catch (java.io.IOException | RuntimeException e) {
            return true; // gone
        }
    }

    private void glidepath(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(launcher));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--data-dir", data.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(data.resolve("cli.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("glidepath " + String.join(" ", args) + " failed: " + Files.readString(data.resolve("cli.log")));
        }
    }

    private String submit(String version, String steps) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String yaml = """
                services:
                  - name: app
                    version: %s
                    run:
                      command: [%s, -XX:TieredStopAtLevel=1, -Xmx64m, -cp, %s, io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}"}
                      replicas: 1
                    route: {pathPrefix: /, drainTimeout: 5s}
                    readiness: {path: /ready, interval: 100ms}
                    analysis: {interval: 1s, minRequests: 20, postPromotion: 1s}
                    keepPrevious: 1s
                %s""".formatted(version, java, cp, steps);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/releases")).header("Authorization", "Bearer " + token)
                .header("X-Glidepath-Base-Dir", data.toAbsolutePath().toString()).POST(HttpRequest.BodyPublishers.ofString(yaml)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 202) {
            throw new IllegalStateException("submit: " + r.statusCode() + " " + r.body());
        }
        return EventJson.MAPPER.readTree(r.body()).path("id").asText();
    }

    private JsonNode get(String path) throws Exception {
        return EventJson.MAPPER.readTree(http.send(HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private void post(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException("POST " + path + ": " + r.statusCode() + " " + r.body());
        }
    }

    private String state(String id) throws Exception {
        return get("/v1/releases/" + id).path("state").asText();
    }

    private void await(String id, String state) throws Exception {
        waitFor(() -> !messages(id).isEmpty() && !stateOrEmpty(id).equals("RUNNING"), Duration.ofSeconds(120));
        if (!state(id).equals(state)) {
            throw new IllegalStateException("release " + id + " ended " + state(id) + ": " + messages(id));
        }
    }

    private String stateOrEmpty(String id) {
        try {
            return state(id);
        } catch (Exception e) {
            return "";
        }
    }

    private List<String> messages(String id) {
        try {
            List<String> m = new ArrayList<>();
            get("/v1/releases/" + id + "/events").path("events").forEach(e -> m.add(e.path("message").asText()));
            return m;
        } catch (Exception e) {
            return List.of();
        }
    }

    private void waitFor(BooleanSupplier done, Duration max) throws InterruptedException {
        waitFor(done, max, "a condition");
    }

    static void waitFor(BooleanSupplier done, Duration max, String what) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static void row(String label, List<double[]> runs, int column) {
        double[] v = runs.stream().mapToDouble(r -> r[column]).sorted().toArray();
        System.out.printf(Locale.ROOT, "%-64s %10.0f %10.0f%n", label, v[v.length / 2], v[v.length - 1]);
    }
}
