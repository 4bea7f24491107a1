package io.glidepath.bench;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.WaveState;
import io.glidepath.examples.SampleService;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.server.Server;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.journal.StoredEvent;
import io.glidepath.testkit.load.LoadGenerator;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A release of 20 real services (the sample service, one light JVM each) in 5 waves of 4, blue-green
 * with a 1 s post-promotion watch each, under steady load through the router, on a real router and
 * server. RUNS healthy releases give the orchestration overhead per wave beyond the configured wait
 * and process start (wave duration minus 1 s minus the slowest start-to-ready of the wave); RUNS
 * releases whose verify check fails after the last wave (s20's new version has a bug only a caller
 * with API version 3 reaches) give the release-wide rollback time with all 20 services promoted:
 * from the decision to every service back on its previous version. In the same run, the anchor:
 * one route update through the router's admin API, the unit the flip is made of.
 */
public final class ReleaseBench {
    static final int SERVICES = 20;
    static final int PER_WAVE = 4;
    static final Duration WAIT = Duration.ofSeconds(1);

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(System.getenv().getOrDefault("RUNS", "5"));
        try (BenchStack stack = BenchStack.start("release")) {
            ReleaseBench b = new ReleaseBench(stack);
            check(b.release("v0", false), Outcome.PROMOTED);
            List<String> paths = IntStream.rangeClosed(1, SERVICES).mapToObj(i -> "/" + name(i)).toList();
            LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", stack.proxyPort(), 8).withRate(400)
                    .withUsersPerConnection(32).withPaths(paths)).start();
            List<Double> overhead = new ArrayList<>();
            List<Double> starts = new ArrayList<>();
            List<Double> releaseSeconds = new ArrayList<>();
            List<Double> rollback = new ArrayList<>();
            for (int i = 1; i <= runs; i++) {
                List<ReleaseEvent> healthy = check(b.release("h" + i, false), Outcome.PROMOTED);
                releaseSeconds.add(Duration.between(healthy.get(0).at(), last(healthy).at()).toMillis() / 1000.0);
                for (double[] w : perWave(healthy)) {
                    overhead.add(w[0]);
                    starts.add(w[1]);
                }
                List<ReleaseEvent> failing = check(b.release("f" + i, true), Outcome.ROLLED_BACK);
                long promotedAtDecision = failing.stream().filter(e -> e instanceof ReleaseEvent.PhaseChanged p && p.phase().name().equals("DONE")).count();
                ReleaseEvent.TrafficRestored back = failing.stream().filter(e -> e instanceof ReleaseEvent.TrafficRestored t && t.service() == null)
                        .map(e -> (ReleaseEvent.TrafficRestored) e).findFirst().orElseThrow();
                if (promotedAtDecision != SERVICES) {
                    throw new IllegalStateException("expected all " + SERVICES + " services promoted before the failure, got " + promotedAtDecision);
                }
                rollback.add((double) back.millis());
                System.err.printf(Locale.ROOT, "run %d/%d: healthy release %.1f s, wave overheads %s ms; failing release: %d services flipped back in %d ms%n",
                        i, runs, releaseSeconds.get(releaseSeconds.size() - 1), perWave(healthy).stream().map(w -> String.format(Locale.ROOT, "%.0f", w[0])).toList(),
                        promotedAtDecision, back.millis());
            }
            load.close();
            List<Double> anchor = b.routeUpdates(stack.router, 50);
            System.out.printf(Locale.ROOT, "release benchmark: %d runs, %d services in %d waves of %d, blue-green, %s watch each, load %d requests (400/s over %d paths)%n",
                    runs, SERVICES, SERVICES / PER_WAVE, PER_WAVE, "1s", load.requestCount(), SERVICES);
            System.out.printf(Locale.ROOT, "%-56s %10s %10s   %s%n", "figure", "median", "worst", "target");
            DeployBench.row(56, "per wave: orchestration overhead beyond waits + start (ms)", sorted(overhead), "");
            DeployBench.row(56, "per wave: slowest process start + readiness (ms)", sorted(starts), "");
            DeployBench.row(56, "healthy release of 20, end to end (s)", sorted(releaseSeconds), "");
            DeployBench.row(56, "release rollback, 20 promoted: decision -> all back (ms)", sorted(rollback), "<= 1000");
            DeployBench.row(56, "anchor: one route update via the admin API (ms)", sorted(anchor), "");
            System.out.printf(Locale.ROOT, "%-56s %10d %10s   %s%n", "failed requests seen by users (all runs)", load.failureCount(), "", "0");
        }
    }

    private final BenchStack stack;
    private final Server server;

    ReleaseBench(BenchStack stack) {
        this.stack = stack;
        this.server = stack.server;
    }

    static String name(int i) {
        return String.format(Locale.ROOT, "s%02d", i);
    }

    /** The release file: s01-s04 in wave 1, each next four depending on the four before; with {@code bug}, s20 fails API version 3. */
    String yaml(String version, boolean bug) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        StringBuilder y = new StringBuilder("release: r-" + version + "\n");
        // the bug is reached only by a caller sending API version 3; users never do, the verify check does
        y.append("verify: [{name: api-v3, request: {path: /s20, headers: {X-Api-Version: '3'}}, expect: {status: 200}}]\n");
        y.append("services:\n");
        for (int i = 1; i <= SERVICES; i++) {
            String deps = i <= PER_WAVE ? "[]" : "[" + name(i - PER_WAVE) + "]";
            String fault = bug && i == SERVICES ? ", FAIL_ON_API_VERSION: \"3\"" : "";
            y.append("""
                      - name: %s
                        version: %s
                        dependsOn: %s
                        run:
                          command: ["%s", -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx32m, -Xss256k, -cp, "%s", io.glidepath.examples.SampleService]
                          env: {PORT: "{{port}}", VERSION: "{{version}}", SERVICE_NAME: %s%s}
                          stopGrace: 2s
                        route: {pathPrefix: /%s}
                        readiness: {path: /ready, interval: 100ms, deadline: 60s}
                        strategy: blueGreen
                        analysis: {interval: 1s, minRequests: 5, failAfter: 1, postPromotion: 1s}
                        keepPrevious: 0s
                    """.formatted(name(i), version, deps, java, cp, name(i), fault, name(i)));
        }
        return y.toString();
    }

    /** Submits a release and waits for it and its previous versions' retirement; returns its journal. */
    List<ReleaseEvent> release(String version, boolean bug) throws Exception {
        String yaml = yaml(version, bug);
        var rec = server.engine().submit(ReleaseReader.read("release.yaml", yaml), "release.yaml", yaml, stack.data, "bench");
        CountDownLatch finished = new CountDownLatch(1);
        // keepPrevious 0s: after a promotion each service's previous version is retired at once (none before the first release)
        CountDownLatch retired = new CountDownLatch(version.equals("v0") ? 0 : SERVICES);
        Runnable stop = server.engine().follow(rec.id(), e -> {
            if (e.event() instanceof ReleaseEvent.Finished f) {
                finished.countDown();
                if (f.outcome() != Outcome.PROMOTED) {
                    for (int i = 0; i < SERVICES; i++) {
                        retired.countDown();
                    }
                }
            } else if (e.event() instanceof ReleaseEvent.InstancesStopped s && s.message().startsWith("retired")) {
                retired.countDown();
            }
        });
        if (!server.engine().isRunning(rec.id())) {
            finished.countDown();
        }
        finished.await(10, TimeUnit.MINUTES);
        retired.await(60, TimeUnit.SECONDS);
        stop.run();
        Thread.sleep(1_000); // the last log lines and process exits settle before the next run
        try (var store = stack.store()) {
            return store.events(rec.id(), 0).stream().map(StoredEvent::event).toList();
        }
    }

    /** Per wave: {overhead ms, slowest start-to-ready ms}. */
    static List<double[]> perWave(List<ReleaseEvent> journal) {
        List<double[]> out = new ArrayList<>();
        for (int w = 1; w <= SERVICES / PER_WAVE; w++) {
            int wave = w;
            Instant started = journal.stream().filter(e -> e instanceof ReleaseEvent.WaveChanged c && c.wave() == wave && c.state() == WaveState.STARTED)
                    .findFirst().orElseThrow().at();
            Instant done = journal.stream().filter(e -> e instanceof ReleaseEvent.WaveChanged c && c.wave() == wave && c.state() == WaveState.DONE)
                    .findFirst().orElseThrow().at();
            List<String> services = IntStream.rangeClosed((w - 1) * PER_WAVE + 1, w * PER_WAVE).mapToObj(ReleaseBench::name).toList();
            long slowest = 0;
            for (String s : services) {
                Instant starting = phaseAt(journal, s, "STARTING");
                Instant ready = phaseAt(journal, s, "READY");
                slowest = Math.max(slowest, Duration.between(starting, ready).toMillis());
            }
            double total = Duration.between(started, done).toMillis();
            out.add(new double[] {total - WAIT.toMillis() - slowest, slowest});
        }
        return out;
    }

    static Instant phaseAt(List<ReleaseEvent> journal, String service, String phase) {
        return journal.stream().filter(e -> e instanceof ReleaseEvent.PhaseChanged p && service.equals(p.service()) && p.phase().name().equals(phase))
                .findFirst().orElseThrow(() -> new IllegalStateException(service + " never reached " + phase)).at();
    }

    /** The anchor: {@code n} route updates on a scratch route through the admin API, each timed. */
    List<Double> routeUpdates(Router router, int n) throws Exception {
        RouterAdminClient admin = new RouterAdminClient(URI.create("http://127.0.0.1:" + router.adminAddress().getPort()),
                Files.readString(stack.data.resolve("router/admin.token")).strip());
        List<EndpointAddress> a = List.of(new EndpointAddress("127.0.0.1", 1));
        List<EndpointAddress> b = List.of(new EndpointAddress("127.0.0.1", 2));
        var state = admin.put(RouteSpec.of("anchor", new RouteMatch("anchor.invalid", "/"), a), OptionalLong.empty());
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            state = admin.put(state.spec().withStable(i % 2 == 0 ? b : a), OptionalLong.of(state.generation()));
            millis.add((System.nanoTime() - t0) / 1e6);
        }
        admin.delete("anchor", OptionalLong.empty());
        return millis;
    }

    static List<ReleaseEvent> check(List<ReleaseEvent> journal, Outcome expected) {
        ReleaseEvent.Finished f = (ReleaseEvent.Finished) DeployBench.find(journal, ReleaseEvent.Finished.class);
        if (f.outcome() != expected) {
            throw new IllegalStateException("release ended " + f.outcome() + ", expected " + expected + ": " + f.message());
        }
        return journal;
    }

    static ReleaseEvent last(List<ReleaseEvent> journal) {
        return journal.get(journal.size() - 1);
    }

    static List<Double> sorted(List<Double> xs) {
        return xs.stream().sorted().toList();
    }
}
