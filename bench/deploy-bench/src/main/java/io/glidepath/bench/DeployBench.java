package io.glidepath.bench;

import io.glidepath.journal.Outcome;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.examples.SampleService;
import io.glidepath.server.Server;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.journal.StoredEvent;
import io.glidepath.testkit.load.LoadGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deployments of the sample service under steady load, on a real router and server with real
 * processes: RUNS blue-green and RUNS three-step canary deployments (2 s bakes) for the
 * orchestration overhead (duration minus configured waits minus process start and readiness) and
 * users' failed requests; then RUNS canaries that turn bad after their smoke tests, for the time
 * from the failure's onset to the rollback decision and from the decision to 100% stable.
 */
public final class DeployBench {
    static final Pattern ONSET = Pattern.compile("errors begin at epoch-ms (\\d+)");
    static final Duration POST = Duration.ofSeconds(1);
    static final Duration BAKE = Duration.ofSeconds(2);

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(System.getenv().getOrDefault("RUNS", "10"));
        try (BenchStack stack = BenchStack.start("deploy")) {
            DeployBench b = new DeployBench(stack);
            b.deploy("v0", "", "");
            LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", stack.proxyPort(), 8).withRate(300)
                    .withUsersPerConnection(32)).start();
            List<double[]> bg = new ArrayList<>();
            List<double[]> canary = new ArrayList<>();
            List<double[]> bad = new ArrayList<>();
            for (int i = 1; i <= runs; i++) {
                bg.add(b.overhead(b.deploy("bg" + i, "", "    strategy: blueGreen\n"), POST));
                System.err.printf(Locale.ROOT, "blue-green %d/%d: overhead %.0f ms%n", i, runs, bg.get(bg.size() - 1)[0]);
            }
            for (int i = 1; i <= runs; i++) {
                String steps = "    steps: [{weight: 10}, {bake: 2s}, {weight: 30}, {bake: 2s}, {weight: 60}, {bake: 2s}]\n";
                canary.add(b.overhead(b.deploy("c" + i, "", steps), POST.plus(BAKE.multipliedBy(3))));
                System.err.printf(Locale.ROOT, "canary %d/%d: overhead %.0f ms%n", i, runs, canary.get(canary.size() - 1)[0]);
            }
            for (int i = 1; i <= runs; i++) {
                bad.add(b.rollback(b.deploy("bad" + i, ", ERROR_RATE: \"100%\", ERROR_AFTER: \"3s\"", "    steps: [{weight: 30}, {bake: 30s}]\n")));
                System.err.printf(Locale.ROOT, "bad canary %d/%d: onset->decision %.0f ms, decision->stable %.0f ms%n", i, runs,
                        bad.get(bad.size() - 1)[0], bad.get(bad.size() - 1)[1]);
            }
            load.close();
            System.out.printf(Locale.ROOT, "deploy benchmark: %d runs each, sample service x2 replicas, load %d req over the whole run (300 req/s)%n",
                    runs, load.requestCount());
            System.out.printf(Locale.ROOT, "%-44s %10s %10s   %s%n", "figure", "median", "worst", "target");
            row("blue-green: orchestration overhead (ms)", column(bg, 0), "<= 1000");
            row("blue-green: process start + readiness (ms)", column(bg, 1), "");
            row("canary 3 steps: orchestration overhead (ms)", column(canary, 0), "<= 1000");
            row("canary 3 steps: process start + readiness (ms)", column(canary, 1), "");
            row("bad canary: onset -> rollback decision (ms)", column(bad, 0), "<= 2500 (1s x 2 + 0.5s)");
            row("bad canary: decision -> 100% stable (ms)", column(bad, 1), "<= 100");
            System.out.printf(Locale.ROOT, "%-44s %10d %10s   %s%n", "failed requests seen by users (all runs)", load.failureCount(), "", "0");
        }
    }

    private final BenchStack stack;
    private final Server server;

    DeployBench(BenchStack stack) {
        this.stack = stack;
        this.server = stack.server;
    }

    /** Deploys and waits for the end; returns the release's journal. */
    List<ReleaseEvent> deploy(String version, String faults, String extra) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String yaml = """
                services:
                  - name: shop
                    version: %s
                    run:
                      command: ["%s", -XX:TieredStopAtLevel=1, -Xmx96m, -cp, "%s", io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}"%s}
                      replicas: 2
                      stopGrace: 5s
                    route: {pathPrefix: /}
                    readiness: {path: /ready, interval: 100ms, deadline: 30s}
                    smoke: [{name: home, request: {path: /}, expect: {status: 200}}]
                    analysis: {interval: 1s, minRequests: 20, failAfter: 2, postPromotion: 1s}
                    keepPrevious: 0s
                %s""".formatted(version, java, cp, faults, extra);
        return run(yaml);
    }

    /** Submits the release file and waits for the end and for the retirement of the version before; returns the release's journal. */
    List<ReleaseEvent> run(String yaml) throws Exception {
        ReleaseSpec spec = ReleaseReader.read("bench.yaml", yaml);
        var rec = server.engine().submit(spec, "bench.yaml", yaml, stack.data, "bench");
        List<ReleaseEvent> journal = new ArrayList<>();
        // the release ends, then (keepPrevious 0s) its previous version is retired: wait for both, so runs do not overlap
        CountDownLatch finished = new CountDownLatch(1);
        CountDownLatch retired = new CountDownLatch(1);
        Runnable stop = server.engine().follow(rec.id(), e -> {
            if (e.event() instanceof ReleaseEvent.Finished f) {
                finished.countDown();
                if (f.outcome() != Outcome.PROMOTED) {
                    retired.countDown();
                }
            } else if (e.event() instanceof ReleaseEvent.InstancesStopped s && s.message().startsWith("retired")) {
                retired.countDown();
            }
        });
        if (!server.engine().isRunning(rec.id())) {
            finished.countDown();
        }
        finished.await(5, TimeUnit.MINUTES);
        retired.await(30, TimeUnit.SECONDS);
        stop.run();
        try (var store = stack.store()) {
            store.events(rec.id(), 0).stream().map(StoredEvent::event).forEach(journal::add);
        }
        return journal;
    }

    /** {overhead ms, start+readiness ms}: total minus configured waits minus start and readiness. */
    double[] overhead(List<ReleaseEvent> journal, Duration waits) {
        Instant submitted = journal.get(0).at();
        Instant finished = find(journal, ReleaseEvent.Finished.class).at();
        Outcome o = ((ReleaseEvent.Finished) find(journal, ReleaseEvent.Finished.class)).outcome();
        if (o != Outcome.PROMOTED) {
            throw new IllegalStateException("a healthy deployment ended " + o + ": " + journal.get(journal.size() - 1).message());
        }
        Instant starting = journal.stream().filter(e -> e instanceof ReleaseEvent.PhaseChanged p && p.phase().name().equals("STARTING"))
                .findFirst().orElseThrow().at();
        Instant ready = journal.stream().filter(e -> e instanceof ReleaseEvent.PhaseChanged p && p.phase().name().equals("READY"))
                .findFirst().orElseThrow().at();
        double total = Duration.between(submitted, finished).toMillis();
        double readiness = Duration.between(starting, ready).toMillis();
        return new double[] {total - waits.toMillis() - readiness, readiness};
    }

    /** {onset -> decision ms, decision -> stable ms} of a bad canary. */
    double[] rollback(List<ReleaseEvent> journal) throws Exception {
        ReleaseEvent.RollbackDecided d = (ReleaseEvent.RollbackDecided) find(journal, ReleaseEvent.RollbackDecided.class);
        ReleaseEvent.TrafficRestored r = (ReleaseEvent.TrafficRestored) find(journal, ReleaseEvent.TrafficRestored.class);
        Instant onset = Instant.MAX;
        for (ReleaseEvent e : journal) {
            if (e instanceof ReleaseEvent.InstancesStarted s) {
                for (ReleaseEvent.StartedInstance i : s.instances()) {
                    Matcher m = ONSET.matcher(Files.readString(Path.of(i.log())));
                    if (m.find()) {
                        Instant t = Instant.ofEpochMilli(Long.parseLong(m.group(1)));
                        onset = t.isBefore(onset) ? t : onset;
                    }
                }
            }
        }
        return new double[] {Duration.between(onset, d.at()).toMillis(), r.millis()};
    }

    static ReleaseEvent find(List<ReleaseEvent> journal, Class<?> kind) {
        return journal.stream().filter(kind::isInstance).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + kind.getSimpleName() + " in " + journal.stream().map(ReleaseEvent::message).toList()));
    }

    static List<Double> column(List<double[]> rows, int i) {
        return rows.stream().map(r -> r[i]).sorted(Comparator.naturalOrder()).toList();
    }

    static void row(String name, List<Double> sorted, String target) {
        row(44, name, sorted, target);
    }

    /** One line of figures: the median and the worst of {@code sorted}, with the name padded to {@code width}. */
    static void row(int width, String name, List<Double> sorted, String target) {
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2) : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        System.out.printf(Locale.ROOT, "%-" + width + "s %10.0f %10.0f   %s%n", name, median, sorted.get(sorted.size() - 1), target);
    }
}
