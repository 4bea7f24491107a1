package io.glidepath.bench;

import io.glidepath.examples.SampleService;
import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.kubernetes.ClusterRoutes;
import io.glidepath.kubernetes.FakeCluster;
import io.glidepath.kubernetes.RouterReplicas;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.router.Router;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterTraffic;
import io.glidepath.testkit.foreign.ForeignServers;
import io.glidepath.testkit.net.ChildPorts;
import io.glidepath.time.Clock;
import io.glidepath.traffic.TrafficRouter;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How fast a route change reaches every router replica (issue 12's benchmark): the route written as
 * a ConfigMap on the fake cluster (fabric8's mock API server; its watch stands in for the API
 * server's), read by 1, 3 and 5 real router replicas, counted as the engine counts it (until every
 * ready replica reports the generation through its admin API); and from a rollback decision until
 * every replica's data path answers from stable (a prober per replica, requests back to back, every
 * one of them sent to the canary before the decision). Side by side in the same run: one router
 * changed through its admin API (Glidepath on one host), and nginx instances, 1, 3 and 5, each given
 * the new configuration and {@code nginx -s reload} (what a user does to nginx, and an ingress
 * controller per replica does for a change it cannot apply without a reload).
 *
 * <p>Settings through the environment: CHANGES (100), ROLLBACKS (30), REPLICAS (1,3,5), NGINX (1: run
 * the nginx anchor when nginx is installed).
 */
public final class RoutePropagationBench {
    static final String NS = "bench";

    record Figures(String what, double[] millis) {
        String row() {
            double[] s = millis.clone();
            Arrays.sort(s);
            return String.format("%-62s %7.1f %7.1f %7.1f %7.1f %5d", what, at(s, 50), at(s, 90), at(s, 99), s[s.length - 1], s.length);
        }

        static double at(double[] sorted, double p) {
            return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
        }
    }

    public static void main(String[] args) throws Exception {
        int changes = Integer.parseInt(System.getenv().getOrDefault("CHANGES", "100"));
        int rollbacks = Integer.parseInt(System.getenv().getOrDefault("ROLLBACKS", "30"));
        int[] counts = Arrays.stream(System.getenv().getOrDefault("REPLICAS", "1,3,5").split(",")).mapToInt(Integer::parseInt).toArray();
        boolean nginx = !"0".equals(System.getenv().getOrDefault("NGINX", "1"));
        Path work = Files.createTempDirectory("route-propagation");
        SampleService v1 = new SampleService(Map.of("HOST", "127.0.0.1", "PORT", "0", "VERSION", "v1")).start();
        SampleService v2 = new SampleService(Map.of("HOST", "127.0.0.1", "PORT", "0", "VERSION", "v2")).start();
        List<Figures> applied = new ArrayList<>();
        List<Figures> confirmed = new ArrayList<>();
        List<Figures> onStable = new ArrayList<>();
        try {
            // the anchor of one host: one router, changed through its admin API
            try (Router router = Router.start(Router.Config.loopback(work.resolve("single")))) {
                RouterAdminClient admin = RouterAdminClient.of("127.0.0.1", router.adminAddress().getPort(), work.resolve("single/admin.token"));
                TrafficRouter traffic = new RouterTraffic(admin, new EndpointAddress("127.0.0.1", router.proxyAddress().getPort()));
                measure("one router, admin API (Glidepath on one host)", traffic, List.of(router.proxyAddress().getPort()), v1, v2, changes, rollbacks,
                        applied, confirmed, onStable);
            }
            for (int n : counts) {
                try (FakeCluster cluster = new FakeCluster()) {
                    Path token = Files.writeString(work.resolve("token-" + n), "b".repeat(43));
                    List<FakeCluster.RouterPod> pods = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        pods.add(cluster.startRouter(NS, work.resolve("replica-" + n + "-" + i), token));
                    }
                    try (RouterReplicas replicas = new RouterReplicas(cluster.client(), NS, RouterReplicas.Settings.defaults(), Files.readString(token))) {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (replicas.ready().size() < n && System.nanoTime() < deadline) {
                            Thread.sleep(20);
                        }
                        ClusterRoutes routes = new ClusterRoutes(cluster.client(), replicas, pods.getFirst().entry(), a -> java.util.Optional.empty(), Clock.system());
                        measure(n + " router replica" + (n == 1 ? "" : "s") + ", route ConfigMap", routes,
                                pods.stream().map(p -> p.entry().port()).toList(), v1, v2, changes, rollbacks, applied, confirmed, onStable);
                    } finally {
                        pods.forEach(FakeCluster.RouterPod::close);
                    }
                }
            }
            if (nginx && hasNginx()) {
                for (int n : counts) {
                    try (NginxFleet fleet = new NginxFleet(work.resolve("nginx-" + n), n, v1.port())) {
                        applied.add(fleet.measure("nginx x" + n + ", config rewritten + nginx -s reload (anchor)", Math.max(10, changes / 5),
                                v1.port(), v2.port()));
                    }
                }
            } else {
                System.err.println("nginx anchor skipped (NGINX=0, or nginx is not installed: apt-get install -y nginx)");
            }
        } finally {
            v1.stop();
            v2.stop();
        }
        String head = String.format("%-62s %7s %7s %7s %7s %5s", "", "p50", "p90", "p99", "max", "n");
        System.out.println("\nRoute change -> served by every replica (ms): the write until every ready replica reports the new generation");
        System.out.println(head);
        applied.forEach(f -> System.out.println(f.row()));
        System.out.println("\nRollback decision -> confirmed by every replica (ms): the engine's route write, returned");
        System.out.println(head);
        confirmed.forEach(f -> System.out.println(f.row()));
        System.out.println("\nRollback decision -> every replica's data path answers from stable (ms): the last replica's first stable answer");
        System.out.println(head);
        onStable.forEach(f -> System.out.println(f.row()));
    }

    private static RouteSpec route(SampleService stable, SampleService canary, int weight) {
        RouteSpec s = RouteSpec.of("web", new RouteMatch(null, "/"), List.of(new EndpointAddress("127.0.0.1", stable.port())));
        return canary == null ? s : s.withCanary(List.of(new EndpointAddress("127.0.0.1", canary.port()))).withCanaryWeight(weight);
    }

    private static void measure(String what, TrafficRouter traffic, List<Integer> proxies, SampleService v1, SampleService v2, int changes,
                                int rollbacks, List<Figures> applied, List<Figures> confirmed, List<Figures> onStable) throws Exception {
        RouteState s = traffic.apply(route(v1, v2, 0), OptionalLong.empty());
        int warmup = 20;
        double[] change = new double[changes];
        for (int i = 0; i < warmup + changes; i++) {
            long t0 = System.nanoTime();
            s = traffic.apply(route(v1, v2, 100 * (1 + i % 50)), OptionalLong.of(s.generation()));
            if (i >= warmup) {
                change[i - warmup] = (System.nanoTime() - t0) / 1e6;
            }
        }
        applied.add(new Figures(what, change));
        double[] writes = new double[rollbacks];
        double[] stable = new double[rollbacks];
        for (int i = 0; i < rollbacks; i++) {
            s = traffic.apply(route(v1, v2, 10_000), OptionalLong.of(s.generation())); // every user on the canary
            AtomicLong decidedAt = new AtomicLong(Long.MAX_VALUE);
            try (ExecutorService probers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Long>> firstStable = new ArrayList<>();
                for (int port : proxies) {
                    firstStable.add(probers.submit(() -> probeUntilStable(port, decidedAt)));
                }
                Thread.sleep(30); // the probers are answered by the canary
                long t0 = System.nanoTime();
                decidedAt.set(t0);
                s = traffic.apply(route(v1, null, 0), OptionalLong.of(s.generation()));
                writes[i] = (System.nanoTime() - t0) / 1e6;
                long last = 0;
                for (Future<Long> f : firstStable) {
                    last = Math.max(last, f.get(30, TimeUnit.SECONDS));
                }
                stable[i] = (last - t0) / 1e6;
            }
        }
        confirmed.add(new Figures(what, writes));
        onStable.add(new Figures(what, stable));
        traffic.remove("web");
        System.err.printf("%s: change p50 %.1f ms, rollback on stable everywhere p50 %.1f ms%n", what, Figures.at(sorted(change), 50),
                Figures.at(sorted(stable), 50));
    }

    /** Requests back to back on one keep-alive connection; the time of the first stable answer after the decision. */
    private static long probeUntilStable(int port, AtomicLong decidedAt) throws IOException {
        HttpConnection c = HttpConnection.open("127.0.0.1", port, Duration.ofSeconds(1), Duration.ofSeconds(5));
        try {
            while (true) {
                ClientResponse r = c.send(ClientRequest.get("/"));
                long now = System.nanoTime();
                if (r.connectionClosing()) {
                    c.close();
                    c = HttpConnection.open("127.0.0.1", port, Duration.ofSeconds(1), Duration.ofSeconds(5));
                }
                if (now > decidedAt.get() && "v1".equals(r.header("X-Version").orElse(""))) {
                    return now;
                }
            }
        } finally {
            c.close();
        }
    }

    private static double[] sorted(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s;
    }

    /** N nginx instances, each its own master and worker, configuration and port: a change is every one of them reloaded. */
    static final class NginxFleet implements AutoCloseable {
        private final Path dir;
        private final String nginx;
        private final List<Integer> ports = new ArrayList<>();
        private final List<Process> masters = new ArrayList<>();

        NginxFleet(Path dir, int n, int upstream) throws Exception {
            this.dir = dir;
            this.nginx = ForeignServers.executable("nginx");
            for (int i = 0; i < n; i++) {
                int port = ChildPorts.free();
                ports.add(port);
                Path d = Files.createDirectories(dir.resolve("n" + i));
                write(d, port, upstream);
                masters.add(new ProcessBuilder(nginx, "-p", d.toString(), "-e", d.resolve("error.log").toString(), "-c", d.resolve("nginx.conf").toString())
                        .redirectErrorStream(true).redirectOutput(d.resolve("nginx.out").toFile()).start());
            }
            for (int port : ports) {
                awaitVersion(port, "v1");
            }
        }

        Figures measure(String what, int changes, int v1, int v2) throws Exception {
            double[] out = new double[changes];
            for (int i = 0; i < changes; i++) {
                int upstream = i % 2 == 0 ? v2 : v1;
                String version = i % 2 == 0 ? "v2" : "v1";
                for (int j = 0; j < ports.size(); j++) {
                    write(dir.resolve("n" + j), ports.get(j), upstream);
                }
                long t0 = System.nanoTime();
                try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
                    List<Future<?>> done = new ArrayList<>();
                    for (int j = 0; j < ports.size(); j++) {
                        Path d = dir.resolve("n" + j);
                        int port = ports.get(j);
                        done.add(each.submit(() -> {
                            reload(d);
                            awaitVersion(port, version);
                            return null;
                        }));
                    }
                    for (Future<?> f : done) {
                        f.get(30, TimeUnit.SECONDS);
                    }
                }
                out[i] = (System.nanoTime() - t0) / 1e6;
                // the old workers exit before the next change, as a careful user waits
                Thread.sleep(200);
            }
            System.err.printf("%s: change p50 %.1f ms%n", what, Figures.at(sorted(out), 50));
            return new Figures(what, out);
        }

        private void write(Path d, int port, int upstream) throws IOException {
            NginxSwitchAnchor.writeConfig(d, port, upstream, 8);
        }

        private void reload(Path d) throws Exception {
            NginxSwitchAnchor.reload(nginx, d, d.resolve("nginx.conf"));
        }

        /** Until a request on a new connection is answered by {@code version}. */
        private static void awaitVersion(int port, String version) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                try (HttpConnection c = HttpConnection.open("127.0.0.1", port, Duration.ofSeconds(1), Duration.ofSeconds(2))) {
                    if (version.equals(c.send(ClientRequest.get("/")).header("X-Version").orElse(""))) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(1);
            }
            throw new IllegalStateException("nginx on port " + port + " did not answer from " + version + " within 10 s");
        }

        @Override
        public void close() {
            for (Process p : masters) {
                p.destroy();
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    private static boolean hasNginx() {
        try {
            ForeignServers.executable("nginx");
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

}
