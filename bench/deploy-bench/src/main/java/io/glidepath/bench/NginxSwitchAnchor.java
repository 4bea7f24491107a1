package io.glidepath.bench;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.testkit.foreign.ForeignServers;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.testkit.net.ChildPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The anchor of {@link ForeignBench}: what a user without Glidepath does to swap versions behind
 * nginx. nginx (master and one worker, its own configuration in a temp dir, ephemeral ports; not the
 * system service) proxies to one backend; each switch starts the other kind of backend (Python's
 * http.server or HAProxy), waits until it answers, rewrites the upstream, runs {@code nginx -s reload},
 * waits until the old worker has finished, then stops the old backend. Same load as the Glidepath part.
 * At a reload nginx's old worker closes its idle keep-alive connections; the load generator does not
 * retry a request sent on such a connection (browsers do), so each one it hits counts as a failure.
 */
final class NginxSwitchAnchor implements AutoCloseable {
    /** One switch: to which backend, from the reload command to the first answer from it, and users' failed requests around it. */
    record Switch(String to, double effectMillis, long failed) {
    }

    /** What the anchor measured: its switches, the load's totals, and the failures the load generator kept. */
    record Result(List<Switch> switches, long requests, long failed, List<LoadGenerator.Failure> failures) {
    }

    private record Backend(String name, int port, Process process) {
    }

    private final ForeignServers servers;
    private final Path dir;
    private final String nginx;
    private final int listen;
    private final List<Process> started = new ArrayList<>();
    private Process master;

    NginxSwitchAnchor(ForeignServers servers, Path dir) throws IOException {
        this.servers = servers;
        this.dir = dir;
        this.nginx = ForeignServers.executable("nginx");
        this.listen = ChildPorts.free();
    }

    /** Starts nginx in front of a Python backend, puts the load on it, and makes {@code switches} switches. */
    Result run(int switches) throws Exception {
        Backend current = start("python");
        writeConfig(current.port());
        master = track(new ProcessBuilder(nginx, "-p", dir.toString(), "-e", dir.resolve("error.log").toString(), "-c", config().toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start());
        awaitAnswer(listen, current.name(), Duration.ofSeconds(10));
        LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", listen, 8).withRate(300).withUsersPerConnection(32)
                .withPaths(List.of("/index.html"))).start();
        List<Switch> out = new ArrayList<>();
        try {
            waitFor(() -> load.requestCount() > 300, Duration.ofSeconds(10), "nginx to serve the load");
            for (int i = 1; i <= switches; i++) {
                long failedBefore = load.failureCount();
                Backend next = start(current.name().equals("python") ? "haproxy" : "python");
                writeConfig(next.port());
                long t0 = System.nanoTime();
                reload();
                awaitAnswer(listen, next.name(), Duration.ofSeconds(10));
                double effect = (System.nanoTime() - t0) / 1e6;
                // a careful user: the old worker finishes its requests before the old backend goes
                waitFor(() -> master.children().count() <= 1, Duration.ofSeconds(30), "nginx's old worker to exit");
                stop(current.process());
                current = next;
                long served = load.requestCount();
                waitFor(() -> load.requestCount() > served + 300, Duration.ofSeconds(10), "a second of load after the switch");
                out.add(new Switch(next.name(), effect, load.failureCount() - failedBefore));
                System.err.printf("nginx switch %d/%d to %s: reload took effect in %.0f ms, %d failed requests%n", i, switches, next.name(), effect,
                        out.getLast().failed());
            }
        } finally {
            load.close();
        }
        return new Result(out, load.requestCount(), load.failureCount(), load.failures());
    }

    /** nginx and every backend started, with their children. */
    @Override
    public void close() {
        started.forEach(NginxSwitchAnchor::stop);
    }

    private Backend start(String name) throws Exception {
        int port = ChildPorts.free();
        ProcessBuilder pb = name.equals("python")
                ? new ProcessBuilder(servers.pythonArgv(port))
                : new ProcessBuilder(servers.haproxyArgv("anchor", "/health", 200));
        pb.environment().put("PORT", String.valueOf(port));
        pb.environment().put("VERSION", "anchor");
        Process p = track(pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".log").toFile())).start());
        awaitAnswer(port, name, Duration.ofSeconds(20));
        return new Backend(name, port, p);
    }

    private Path config() {
        return dir.resolve("nginx.conf");
    }

    /** The whole configuration, rewritten for each switch as a user would; keep-alive to the backend as in proxy-bench. */
    private void writeConfig(int upstream) throws IOException {
        writeConfig(dir, listen, upstream, 32);
    }

    /** An nginx (master and one worker) with its prefix in {@code dir}, listening on {@code port}, proxying to {@code upstream}. */
    static void writeConfig(Path dir, int port, int upstream, int keepalive) throws IOException {
        Files.writeString(dir.resolve("nginx.conf"), """
                daemon off; worker_processes 1; pid %1$s/nginx.pid; error_log %1$s/error.log warn;
                events { worker_connections 1024; }
                http { access_log off;
                  upstream app { server 127.0.0.1:%2$d; keepalive %4$d; }
                  server { listen 127.0.0.1:%3$d;
                           location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
                """.formatted(dir, upstream, port, keepalive));
    }

    private void reload() throws Exception {
        reload(nginx, dir, config());
    }

    /** {@code nginx -s reload} of the nginx whose prefix is {@code dir}; fails with what nginx said. */
    static void reload(String nginx, Path dir, Path config) throws Exception {
        Process p = new ProcessBuilder(nginx, "-p", dir.toString(), "-e", dir.resolve("error.log").toString(), "-c", config.toString(), "-s", "reload")
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("nginx -s reload failed: " + said);
        }
    }

    /** Until a request on a new connection to {@code port} is answered 200 by the backend {@code name}. */
    private static void awaitAnswer(int port, String name, Duration max) throws InterruptedException {
        waitFor(() -> {
            try (HttpConnection c = HttpConnection.open("127.0.0.1", port, Duration.ofSeconds(1), Duration.ofSeconds(2))) {
                ClientResponse r = c.send(ClientRequest.get("/index.html"));
                return r.status() == 200 && r.bodyText().contains(ForeignServers.PYTHON_BODY.strip()) == name.equals("python");
            } catch (IOException e) {
                return false;
            }
        }, max, name + " to answer on port " + port);
    }

    private Process track(Process p) {
        started.add(p);
        return p;
    }

    /** SIGTERM to the process, then SIGKILL to it and to any of its descendants still alive. */
    private static void stop(Process p) {
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroy();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        p.destroyForcibly();
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }


    private static void waitFor(BooleanSupplier done, Duration max, String what) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(1); // short: the reload's effect is timed by this loop
        }
    }
}
