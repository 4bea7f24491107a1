package io.glidepath.bench;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.journal.StoredEvent;
import io.glidepath.server.Server;
import io.glidepath.spec.ReleasePlan;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A fleet of 100 customers (a light Python server each, bench/fleet/tiny_server.py) in 4 rings
 * ([c001], 10%, 30%, the rest), 10 at a time, blue-green with a 1 s watch each, on a real router and
 * server with traffic on ten customers' hosts. RUNS healthy releases give the orchestration overhead
 * per customer beyond its configured wait and its process start (a customer's start to done, minus
 * the 1 s watch, minus its start-to-ready) and the release's length; RUNS failing releases (three
 * customers of ring 3 turn on a flag the new version breaks on; budget 2, then rollback) give the
 * time from the budget being exceeded to every customer the release updated back on its previous
 * version. Side by side, the anchor in the same run: the same customer shipped alone, as a release
 * of one service (what a script looping over customers does), measured the same way. Then the
 * plan of a generated 1,000-customer fleet, read and planned in-process.
 */
public final class FleetBench {
    static final int CUSTOMERS = 100;
    static final Duration WATCH = Duration.ofSeconds(1);

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(System.getenv().getOrDefault("RUNS", "3"));
        Path tiny = Path.of(args.length > 0 ? args[0] : "bench/fleet/tiny_server.py").toAbsolutePath();
        try (BenchStack stack = BenchStack.start("fleet")) {
            FleetBench b = new FleetBench(stack, tiny);
            check(b.release(b.fleet("v0", CUSTOMERS, false)), Outcome.PROMOTED);
            List<LoadGenerator> loads = new ArrayList<>();
            for (int i = 1; i <= CUSTOMERS; i += 10) {
                loads.add(new LoadGenerator(new LoadGenerator.Config("127.0.0.1", stack.proxyPort(), List.of("/"), 1, 1, 20, Duration.ofSeconds(10),
                        Map.of("Host", host(i)), "X-Version")).start());
            }
            List<Double> overhead = new ArrayList<>();
            List<Double> starts = new ArrayList<>();
            List<Double> lengths = new ArrayList<>();
            List<Double> back = new ArrayList<>();
            List<Double> flipped = new ArrayList<>();
            List<Double> alone = new ArrayList<>();
            for (int r = 1; r <= runs; r++) {
                List<ReleaseEvent> healthy = check(b.release(b.fleet("h" + r, CUSTOMERS, false)), Outcome.PROMOTED);
                lengths.add(Duration.between(healthy.getFirst().at(), healthy.getLast().at()).toMillis() / 1000.0);
                for (int i = 1; i <= CUSTOMERS; i++) {
                    double[] o = overhead(healthy, "web." + name(i));
                    overhead.add(o[0]);
                    starts.add(o[1]);
                }
                List<ReleaseEvent> failing = check(b.release(b.fleet("f" + r, CUSTOMERS, true)), Outcome.ROLLED_BACK);
                Instant exceeded = failing.stream().filter(e -> e instanceof ReleaseEvent.CustomerFailed c && c.exceeded()).findFirst().orElseThrow().at();
                ReleaseEvent.TrafficRestored all = failing.stream().filter(e -> e instanceof ReleaseEvent.TrafficRestored t && t.service() == null)
                        .map(e -> (ReleaseEvent.TrafficRestored) e).findFirst().orElseThrow();
                back.add((double) Duration.between(exceeded, all.at()).toMillis());
                flipped.add((double) failing.stream().filter(e -> e instanceof ReleaseEvent.PhaseChanged p && p.phase().name().equals("ROLLING_BACK")
                        && p.message().startsWith("flipping back")).count());
                // the anchor: customer c050 alone, as its own one-service release, three times
                for (int k = 0; k < 3; k++) {
                    List<ReleaseEvent> one = check(b.release(b.fleet("a" + r + k, 1, false).replace("c001", "c050").replace(host(1), host(50))),
                            Outcome.PROMOTED);
                    alone.add(overhead(one, "web.c050")[0]);
                }
                System.err.printf(Locale.ROOT, "run %d/%d: healthy %.1f s; failing: %d customers back %.0f ms after the budget was exceeded%n", r, runs,
                        lengths.getLast(), flipped.getLast().intValue(), back.getLast());
            }
            loads.forEach(LoadGenerator::close);
            long failed = loads.stream().mapToLong(LoadGenerator::failureCount).sum();
            long requests = loads.stream().mapToLong(LoadGenerator::requestCount).sum();
            double[] plan = planThousand();
            System.out.printf(Locale.ROOT, "fleet benchmark: %d runs, %d customers (tiny_server.py each) in 4 rings, 10 at a time, blue-green, 1s watch "
                    + "each; load %d requests on 10 customers' hosts%n", runs, CUSTOMERS, requests);
            System.out.printf(Locale.ROOT, "%-60s %10s %10s   %s%n", "figure", "median", "worst", "");
            DeployBench.row(60, "per customer: orchestration overhead beyond wait + start (ms)", ReleaseBench.sorted(overhead), "");
            DeployBench.row(60, "anchor: the same customer as a release of its own (ms)", ReleaseBench.sorted(alone), "");
            DeployBench.row(60, "per customer: process start + readiness (ms)", ReleaseBench.sorted(starts), "");
            DeployBench.row(60, "healthy release of 100 customers, end to end (s)", ReleaseBench.sorted(lengths), "");
            DeployBench.row(60, "budget exceeded -> every updated customer back (ms)", ReleaseBench.sorted(back), "");
            DeployBench.row(60, "customers flipped back then", ReleaseBench.sorted(flipped), "");
            System.out.printf(Locale.ROOT, "%-60s %10.1f %10.1f%n", "plan of a 1,000-customer fleet, read + plan in-process (ms)", plan[0], plan[1]);
            System.out.printf(Locale.ROOT, "%-60s %10d%n", "failed requests seen by users (all runs)", failed);
        }
    }

    private final BenchStack stack;
    private final Server server;
    private final Path tiny;

    FleetBench(BenchStack stack, Path tiny) {
        this.stack = stack;
        this.server = stack == null ? null : stack.server; // none when only writing release files (the plan figures)
        this.tiny = tiny;
    }

    static String name(int i) {
        return String.format(Locale.ROOT, "c%03d", i);
    }

    static String host(int i) {
        return name(i) + ".fleet.test";
    }

    /**
     * The Python interpreter itself, not a version manager's shim on the PATH (pyenv's is two bash scripts per start: with 100
     * customers starting, the shims, not Python or Glidepath, made the figures).
     */
    static final String PYTHON = realPython();

    private static String realPython() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor() == 0 && !out.isEmpty() ? out : "python3";
        } catch (java.io.IOException e) {
            return "python3";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "python3";
        }
    }

    /** The release file: {@code n} customers inline; with {@code broken}, c020, c025 and c030 (ring 3) turn the broken flag on. */
    String fleet(String version, int n, boolean broken) {
        StringBuilder y = new StringBuilder("""
                release: fleet-%s
                services:
                  - name: web
                    version: %s
                    run:
                      command: ["%s", "%s"]
                      env: {PORT: "{{port}}", VERSION: "{{version}}", BROKEN_WITH: LEGACY, LEGACY: "off"}
                      stopGrace: 2s
                    route: {pathPrefix: /, drainTimeout: 2s}
                    readiness: {path: /ready, interval: 50ms, deadline: 60s}
                    smoke: [{name: home, request: {path: /}, expect: {status: 200}}]
                    strategy: blueGreen
                    analysis: {interval: 1s, postPromotion: 1s}
                    keepPrevious: 0s
                    fleet:
                      maxParallel: 10
                """.formatted(version, version, PYTHON, tiny));
        y.append(n == 1 ? "      rings: [{name: all}]\n" : "      rings: [{name: first, customers: [c001]}, {name: early, share: 10%}, {name: wide, share: 30%}, {name: rest}]\n"
                + "      failureBudget: {max: 2, then: rollback}\n");
        y.append("      customers:\n");
        for (int i = 1; i <= n; i++) {
            boolean flag = broken && (i == 20 || i == 25 || i == 30);
            y.append("        - {name: ").append(name(i)).append(", host: ").append(host(i)).append(flag ? ", env: {LEGACY: \"on\"}" : "").append("}\n");
        }
        return y.toString();
    }

    /** Submits a release and waits for it and its previous versions' retirement; returns its journal. */
    List<ReleaseEvent> release(String yaml) throws Exception {
        var rec = server.engine().submit(ReleaseReader.read("fleet.yaml", yaml), "fleet.yaml", yaml, stack.data, "bench");
        CountDownLatch finished = new CountDownLatch(1);
        Runnable stop = server.engine().follow(rec.id(), e -> {
            if (e.event() instanceof ReleaseEvent.Finished) {
                finished.countDown();
            }
        });
        if (!server.engine().isRunning(rec.id())) {
            finished.countDown();
        }
        finished.await(20, TimeUnit.MINUTES);
        stop.run();
        Thread.sleep(3_000); // keepPrevious 0s: the previous versions retire right after the end
        try (var store = stack.store()) {
            return store.events(rec.id(), 0).stream().map(StoredEvent::event).toList();
        }
    }

    /** A customer's {overhead ms, start-to-ready ms}: start to done, minus the watch, minus its start to ready. */
    static double[] overhead(List<ReleaseEvent> journal, String customer) {
        Instant starting = ReleaseBench.phaseAt(journal, customer, "STARTING");
        Instant ready = ReleaseBench.phaseAt(journal, customer, "READY");
        Instant done = ReleaseBench.phaseAt(journal, customer, "DONE");
        double start = Duration.between(starting, ready).toMillis();
        return new double[] {Duration.between(starting, done).toMillis() - WATCH.toMillis() - start, start};
    }

    /** {median, worst} of 9 timings (after 3 warm-ups) of reading and planning a release whose fleet has 1,000 customers in 4 rings. */
    static double[] planThousand() throws Exception {
        FleetBench shape = new FleetBench(null, Path.of("/srv/tiny_server.py"));
        String yaml = shape.fleet("p", 1000, false);
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            long t0 = System.nanoTime();
            ReleaseSpec spec = ReleaseReader.read("fleet-1000.yaml", yaml);
            ReleasePlan plan = ReleasePlan.of(spec);
            if (plan.waves().size() != 4 || spec.services().size() != 1000) {
                throw new IllegalStateException("unexpected plan: " + plan.waves().size() + " waves, " + spec.services().size() + " deployments");
            }
            if (i >= 3) {
                ms.add((System.nanoTime() - t0) / 1e6);
            }
        }
        List<Double> sorted = ReleaseBench.sorted(ms);
        return new double[] {sorted.get(sorted.size() / 2), sorted.getLast()};
    }

    static List<ReleaseEvent> check(List<ReleaseEvent> journal, Outcome expected) {
        ReleaseEvent.Finished f = (ReleaseEvent.Finished) journal.stream().filter(e -> e instanceof ReleaseEvent.Finished).findFirst().orElseThrow();
        if (f.outcome() != expected) {
            throw new IllegalStateException("expected " + expected + ", got " + f.outcome() + ": " + f.reason());
        }
        return journal;
    }
}
