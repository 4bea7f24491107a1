package io.glidepath.bench;

import io.glidepath.testkit.foreign.ForeignServers;
import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Issue 10's scenario as figures: servers nobody here wrote, whose versions answer different readiness
 * paths (Python's http.server on /web/, HAProxy on /health or /ready, each 404 on the others'), shipped
 * under steady load on a real router and server. RUNS cycles, from a Python stable, of: an HAProxy
 * canary on /health (2 short steps, promoted), a broken HAProxy canary on /ready answering 500 to users
 * (rolled back by the analysis), a Python blue-green on /web/ (promoted). Before the fix the stable was
 * checked on the new version's path, taken out, and users got thousands of 503s; the target is 0.
 * The anchor, in the same run: the same two kinds of servers behind nginx, switched by rewriting its
 * configuration and {@code nginx -s reload} as many times ({@link NginxSwitchAnchor}).
 */
public final class ForeignBench {
    static final String CANARY = "    strategy: canary\n    steps: [{weight: 20}, {bake: 2s}, {weight: 50}, {bake: 2s}]\n";
    // the analysis decides about 2 s after the first step; long bakes so that it always decides during them
    static final String BROKEN = "    strategy: canary\n    steps: [{weight: 20}, {bake: 10s}, {weight: 50}, {bake: 10s}]\n";
    static final String BLUE_GREEN = "    strategy: blueGreen\n";

    /** The kinds of release in a cycle, in order, with the outcome each should have. */
    enum Kind {
        CANARY("haproxy canary on /health, 2 steps", Outcome.PROMOTED),
        BROKEN("broken haproxy canary on /ready (500s)", Outcome.ROLLED_BACK),
        BLUE_GREEN("python blue-green on /web/", Outcome.PROMOTED);

        final String label;
        final Outcome expected;

        Kind(String label, Outcome expected) {
            this.label = label;
            this.expected = expected;
        }
    }

    /** One release under load: how it ended, submission to end, users' failed requests from submission to the old version's retirement, and decision -> 100% stable if it rolled back. */
    record Deployment(Kind kind, Outcome outcome, double millis, long failed, OptionalLong restoredMillis) {
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(System.getenv().getOrDefault("RUNS", "3"));
        List<Deployment> deployments = new ArrayList<>();
        LoadGenerator load;
        ForeignServers servers;
        Path data;
        try (BenchStack stack = BenchStack.start("foreign")) {
            data = stack.data;
            servers = new ForeignServers(data.resolve("servers"));
            DeployBench releases = new DeployBench(stack);
            Outcome first = ((ReleaseEvent.Finished) DeployBench.find(releases.run(servers.python("v0-python", "")), ReleaseEvent.Finished.class)).outcome();
            if (first != Outcome.PROMOTED) {
                throw new IllegalStateException("the first Python version ended " + first);
            }
            load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", stack.proxyPort(), 8).withRate(300)
                    .withUsersPerConnection(32).withPaths(List.of("/index.html"))).start();
            for (int i = 1; i <= runs; i++) {
                deployments.add(deploy(releases, load, Kind.CANARY, servers.haproxy("c" + i + "-haproxy", "/health", 200, CANARY)));
                deployments.add(deploy(releases, load, Kind.BROKEN, servers.haproxy("c" + i + "-broken", "/ready", 500, BROKEN)));
                deployments.add(deploy(releases, load, Kind.BLUE_GREEN, servers.python("c" + i + "-python", BLUE_GREEN)));
            }
            load.close();
        }

        NginxSwitchAnchor.Result nginx;
        try (NginxSwitchAnchor anchor = new NginxSwitchAnchor(servers, Files.createDirectories(data.resolve("nginx")))) {
            nginx = anchor.run(runs * Kind.values().length);
        }

        System.out.printf(Locale.ROOT, "foreign servers benchmark: %d cycle(s) of %d releases (Python http.server <-> HAProxy, 2 replicas, readiness on /web/, "
                + "/health, /ready), load 300 req/s to /index.html on 8 connections%n", runs, Kind.values().length);
        System.out.printf(Locale.ROOT, "%-48s %-18s %10s %10s %10s%n", "glidepath release", "outcome", "median ms", "worst ms", "failed");
        for (Kind k : Kind.values()) {
            List<Deployment> ds = deployments.stream().filter(d -> d.kind() == k).toList();
            List<Double> ms = ds.stream().map(Deployment::millis).sorted().toList();
            System.out.printf(Locale.ROOT, "%-48s %-18s %10.0f %10.0f %10d%n", k.label, outcomes(ds), median(ms), ms.getLast(),
                    ds.stream().mapToLong(Deployment::failed).sum());
        }
        System.out.printf(Locale.ROOT, "%n%-64s %10s %10s   %s%n", "figure", "median", "worst", "target");
        List<Double> restored = deployments.stream().filter(d -> d.kind() == Kind.BROKEN && d.restoredMillis().isPresent()).map(d -> (double) d.restoredMillis().getAsLong())
                .sorted().toList();
        if (!restored.isEmpty()) {
            DeployBench.row(64, "broken canary: rollback decision -> 100% stable (ms)", restored, "<= 100");
        }
        DeployBench.row(64, "anchor nginx: reload -> new upstream answers (ms)", nginx.switches().stream().map(NginxSwitchAnchor.Switch::effectMillis)
                .sorted().toList(), "");
        DeployBench.row(64, "anchor nginx: users' failed requests per switch", nginx.switches().stream().map(s -> (double) s.failed()).sorted().toList(), "");
        total("glidepath: users' failed requests (" + deployments.size() + " releases, " + load.requestCount() + " requests)", load.failureCount(),
                load.failures(), "0");
        total("anchor nginx: users' failed requests (" + nginx.switches().size() + " switches, " + nginx.requests() + " requests)", nginx.failed(),
                nginx.failures(), "");
        if (nginx.failures().stream().anyMatch(f -> f.reason().startsWith("EOFException"))) {
            System.out.println("    (closed before a response: nginx's old worker closes idle keep-alive connections at a reload;"
                    + " a client that does not retry a request sent on a reused connection sees each as a failure)");
        }
    }

    /** A total of failed requests, then how many of each kind (the failures the load generator kept). */
    static void total(String label, long failed, List<LoadGenerator.Failure> kept, String target) {
        System.out.printf(Locale.ROOT, "%-64s %10d %10s   %s%n", label, failed, "", target);
        Map<String, Long> reasons = new TreeMap<>();
        // a status without its body, or an exception with its message
        kept.forEach(f -> reasons.merge(f.reason().startsWith("HTTP ") ? f.reason().split(":", 2)[0] : f.reason(), 1L, Long::sum));
        reasons.forEach((reason, n) -> System.out.printf(Locale.ROOT, "    %6d  %s%n", n, reason));
    }

    /** Submits a release under {@code load}; waits for its end and the retirement of the version before it. */
    static Deployment deploy(DeployBench releases, LoadGenerator load, Kind kind, String yaml) throws Exception {
        long failedBefore = load.failureCount();
        List<ReleaseEvent> journal = releases.run(yaml);
        ReleaseEvent.Finished f = (ReleaseEvent.Finished) DeployBench.find(journal, ReleaseEvent.Finished.class);
        OptionalLong restored = journal.stream().filter(e -> e instanceof ReleaseEvent.TrafficRestored).findFirst()
                .map(e -> OptionalLong.of(((ReleaseEvent.TrafficRestored) e).millis())).orElse(OptionalLong.empty());
        Deployment d = new Deployment(kind, f.outcome(), Duration.between(journal.get(0).at(), f.at()).toMillis(), load.failureCount() - failedBefore, restored);
        System.err.printf(Locale.ROOT, "%s: %s in %.0f ms, %d failed requests%s%n", kind.label, d.outcome(), d.millis(), d.failed(),
                restored.isPresent() ? ", decision -> stable " + restored.getAsLong() + " ms" : "");
        return d;
    }

    /** E.g. "PROMOTED 3/3", or every outcome seen with its count when some release ended otherwise than its kind should. */
    static String outcomes(List<Deployment> ds) {
        Map<Outcome, Long> counts = ds.stream().collect(Collectors.groupingBy(Deployment::outcome, () -> new EnumMap<>(Outcome.class), Collectors.counting()));
        return counts.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + "/" + ds.size()).collect(Collectors.joining(", "));
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
