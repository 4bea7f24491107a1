package io.glidepath.cli.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.cli.Main;
import io.glidepath.cli.proc.ChildProcess;
import io.glidepath.cli.router.RouterCommand;
import io.glidepath.cli.term.Terminal;
import io.glidepath.load.LoadGenerator;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Track;
import io.glidepath.router.client.RouteStats;
import io.glidepath.router.client.RouterAdminClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/** The router demo: real processes, real sockets, a real load, and every request accounted for. */
final class RouterDemo {
    static final int[] STEPS = {0, 500, 2500, 5000, 10_000, 5000, 2500, 0};
    static final int USERS_PER_CONNECTION = 64;

    /** What the demo measured. */
    record Result(long requests, long failed, double p50Millis, double p99Millis, double maxMillis, Map<String, Long> byVersion,
                  List<StepResult> steps, long routerStable, long routerCanary, long router5xx, List<String> firstFailures) {
        String toJson() {
            ObjectNode n = RouteJson.MAPPER.createObjectNode();
            n.put("requests", requests);
            n.put("failed", failed);
            n.put("p50Millis", p50Millis);
            n.put("p99Millis", p99Millis);
            n.put("maxMillis", maxMillis);
            ObjectNode v = n.putObject("byVersion");
            byVersion.forEach(v::put);
            var a = n.putArray("steps");
            for (StepResult s : steps) {
                a.addObject().put("canaryWeight", s.weight()).put("requests", s.requests()).put("failed", s.failed())
                        .put("v1", s.v1()).put("v2", s.v2());
            }
            ObjectNode router = n.putObject("router");
            router.put("stable", routerStable).put("canary", routerCanary).put("status5xx", router5xx);
            var f = n.putArray("firstFailures");
            firstFailures.forEach(f::add);
            return n.toPrettyString();
        }
    }

    record StepResult(int weight, long requests, long failed, long v1, long v2) {
    }

    private final Terminal term;
    private final int clients;
    private final int rate;
    private final Duration step;
    private final boolean keepFiles;

    RouterDemo(Terminal term, int clients, int rate, Duration step, boolean keepFiles) {
        this.term = term;
        this.clients = clients;
        this.rate = rate;
        this.step = step;
        this.keepFiles = keepFiles;
    }

    Result run() throws Exception {
        Path work = Files.createTempDirectory("glidepath-demo-");
        List<ChildProcess> started = new ArrayList<>();
        try {
            term.line(term.bold("Glidepath demo") + ": two versions of a sample service behind the router. Under steady load,");
            term.line("traffic moves from v1 to v2 in steps and back. Every request is counted; none may fail.");
            term.line("");
            ChildProcess v1 = sample("v1", work, started);
            ChildProcess v2 = sample("v2", work, started);
            ChildProcess router = ChildProcess.startJava("router", withHeap(ChildProcess.jvmFlags(), "256m"), Main.class.getName(),
                    List.of("router", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--state-dir", work.resolve("router").toString(),
                            "--shutdown-timeout", "10s"),
                    line -> line.startsWith(RouterCommand.READY_PREFIX), work.resolve("router.log"), Duration.ofSeconds(60));
            started.add(router);
            String[] ready = router.readyLine().substring(RouterCommand.READY_PREFIX.length()).trim().split(" ");
            EndpointAddress proxy = EndpointAddress.parse(ready[1]).orElseThrow();
            EndpointAddress adminAddress = EndpointAddress.parse(ready[3]).orElseThrow();
            term.line("  " + term.green("✓") + " router        proxy " + proxy + ", admin " + adminAddress + " " + term.dim("(pid " + router.pid() + ")"));
            RouterAdminClient admin = RouterAdminClient.of(adminAddress.host(), adminAddress.port(), Path.of(ready[5]));
            RouteState state = admin.put(RouteSpec.of("demo", RouteMatch.any(), List.of(address(v1)))
                    .withCanary(List.of(address(v2)))
                    .withHealth(HealthCheck.http("/health")), OptionalLong.of(0));
            term.line("  " + term.green("✓") + " route demo    stable v1, canary v2 at 0%, cookie-sticky, canary shield on");
            term.line("  " + term.green("✓") + " load          " + clients + " keep-alive connections carrying " + clients * USERS_PER_CONNECTION
                    + " users, " + rate + " requests/s");
            term.line("");

            List<StepResult> steps = new ArrayList<>();
            LoadGenerator.Config cfg = LoadGenerator.Config.of(proxy.host(), proxy.port(), clients).withRate(rate)
                    .withUsersPerConnection(USERS_PER_CONNECTION);
            LoadGenerator.Snapshot last;
            long started0 = System.nanoTime();
            try (LoadGenerator load = new LoadGenerator(cfg).start()) {
                load.snapshot();
                for (int i = 0; i < STEPS.length; i++) {
                    int weight = STEPS[i];
                    state = admin.setWeight("demo", weight, OptionalLong.of(state.generation()));
                    steps.add(hold(load, i, weight, started0));
                }
                load.close();
                last = load.snapshot();
                RouteStats stats = admin.stats("demo", Duration.ofSeconds(Math.min(300, (System.nanoTime() - started0) / 1_000_000_000L + 2)));
                List<String> firstFailures = load.failures().stream().limit(5)
                        .map(f -> "at " + f.atMillis() + " ms " + f.path() + ": " + f.reason()).toList();
                Result result = new Result(last.requests(), last.failures(), last.p50Millis(), last.p99Millis(), last.maxMillis(),
                        last.byVersion(), steps, stats.track(Track.STABLE).requests(), stats.track(Track.CANARY).requests(),
                        stats.track(Track.STABLE).status5xx() + stats.track(Track.CANARY).status5xx(), firstFailures);
                summary(result);
                return result;
            }
        } finally {
            stopAll(started);
            if (keepFiles) {
                term.line("  files kept in " + work);
            } else {
                deleteTree(work);
            }
        }
    }

    private StepResult hold(LoadGenerator load, int index, int weight, long started0) {
        long end = System.nanoTime() + step.toNanos();
        long requests = 0;
        long failed = 0;
        long v1 = 0;
        long v2 = 0;
        LoadGenerator.Snapshot s = null;
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(Math.min(1_000_000_000L, end - System.nanoTime()));
            s = load.snapshot();
            requests += s.intervalByVersion().values().stream().mapToLong(Long::longValue).sum();
            failed += s.intervalFailures();
            v1 += s.intervalByVersion().getOrDefault("v1", 0L);
            v2 += s.intervalByVersion().getOrDefault("v2", 0L);
            term.live(status(index, weight, s, v1, v2, failed, started0));
        }
        if (term.isTty()) {
            term.line(status(index, weight, s, v1, v2, failed, started0)); // keep the step's last figures on screen
        }
        return new StepResult(weight, requests, failed, v1, v2);
    }

    private String status(int index, int weight, LoadGenerator.Snapshot s, long v1, long v2, long failed, long started0) {
        double share = v1 + v2 == 0 ? 0 : (double) v2 / (v1 + v2);
        String errors = failed == 0 ? term.green("errors 0") : term.red("errors " + failed);
        return String.format(Locale.ROOT, "  step %d/%d  v2 %5.1f%% %s  %5.0f req/s  served v1 %3.0f%% v2 %3.0f%%  %s  p99 %5.1f ms  %5.1fs",
                index + 1, STEPS.length, weight / 100.0, term.bar(weight / 10_000.0), s == null ? 0 : s.intervalRate(),
                100 * (1 - share), 100 * share, errors, s == null ? 0 : s.intervalP99Millis(), (System.nanoTime() - started0) / 1e9);
    }

    private void summary(Result r) {
        term.line("");
        term.line(term.bold("Totals"));
        term.line(String.format(Locale.ROOT, "  requests      %,d", r.requests()));
        term.line("  failed        " + (r.failed() == 0 ? term.green("0") + "   users saw no error while the traffic moved"
                : term.red(String.format(Locale.ROOT, "%,d (%.3f%%)", r.failed(), 100.0 * r.failed() / Math.max(1, r.requests())))));
        term.line(String.format(Locale.ROOT, "  latency       p50 %.1f ms, p99 %.1f ms, max %.1f ms", r.p50Millis(), r.p99Millis(), r.maxMillis()));
        StringBuilder versions = new StringBuilder();
        r.byVersion().forEach((v, n) -> versions.append(String.format(Locale.ROOT, "%s %,d (%.1f%%)  ", v, n, 100.0 * n / Math.max(1, r.requests()))));
        term.line("  served by     " + versions.toString().trim());
        term.line(String.format(Locale.ROOT, "  router saw    stable %,d, canary %,d, 5xx %d", r.routerStable(), r.routerCanary(), r.router5xx()));
        for (String f : r.firstFailures()) {
            term.line("  " + term.red("failure") + " " + f);
        }
    }

    private ChildProcess sample(String version, Path work, List<ChildProcess> started) throws IOException {
        ChildProcess p = ChildProcess.startJava("sample " + version, withHeap(List.of("-XX:TieredStopAtLevel=1"), "96m"), Main.class.getName(),
                List.of("sample-service", "--port=0", "--version=" + version, "--service-name=demo"),
                line -> line.contains("listening on"), work.resolve("sample-" + version + ".log"), Duration.ofSeconds(60));
        started.add(p);
        term.line("  " + term.green("✓") + " service " + version + "    " + address(p) + " " + term.dim("(pid " + p.pid() + ")"));
        return p;
    }

    private static EndpointAddress address(ChildProcess sample) {
        String line = sample.readyLine();
        return EndpointAddress.parse(line.substring(line.indexOf("listening on ") + "listening on ".length()).trim()).orElseThrow();
    }

    private static List<String> withHeap(List<String> flags, String heap) {
        List<String> all = new ArrayList<>(flags);
        all.add("-Xmx" + heap);
        return all;
    }

    private void stopAll(List<ChildProcess> started) throws InterruptedException {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).stop(Duration.ofSeconds(15));
        }
        if (!started.isEmpty()) {
            term.line("");
            term.line("  stopped the router and both services");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
