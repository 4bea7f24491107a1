package io.glidepath.bench;

import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleasePlan;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.YamlSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Planning and validation of a generated 1,000-service release graph: each service depends on up
 * to three earlier ones (seeded, so every run has the same graph). Times, in this JVM, the first
 * (cold) and the median of the next runs of: parsing the YAML alone (the floor), reading with full
 * validation (every field, templates, the dependency graph's unknown, self and cyclic edges), and
 * planning (waves, critical path, minimum duration); and the same graph with one cycle added, which
 * must be refused with a located error. Writes the files to the directory given as the argument
 * (for timing {@code glidepath plan} and {@code validate} as processes).
 */
public final class PlanBench {
    static final int SERVICES = 1_000;
    static final int RUNS = 20;

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("glidepath-plan-bench-");
        String graph = generate(false);
        String cyclic = generate(true);
        Files.writeString(dir.resolve("release-1000.yaml"), graph);
        Files.writeString(dir.resolve("release-1000-cycle.yaml"), cyclic);

        // validate + plan first: its "first" is the cold figure (class loading, interpreter), as a fresh process meets it
        double[] both = time(() -> ReleasePlan.of(call(() -> ReleaseReader.read("release-1000.yaml", graph))));
        double[] parse = time(() -> call(() -> YamlSource.parse("release-1000.yaml", graph)));
        double[] read = time(() -> call(() -> ReleaseReader.read("release-1000.yaml", graph)));
        ReleaseSpec spec = call(() -> ReleaseReader.read("release-1000.yaml", graph));
        double[] plan = time(() -> ReleasePlan.of(spec));
        String[] refusal = new String[1];
        double[] cycle = time(() -> {
            try {
                ReleaseReader.read("release-1000-cycle.yaml", cyclic);
                throw new IllegalStateException("the cyclic graph was accepted");
            } catch (InvalidSpecException e) {
                refusal[0] = e.errors().get(0).toString();
                return e;
            }
        });
        ReleasePlan p = ReleasePlan.of(spec);
        System.out.printf(Locale.ROOT, "plan benchmark: %d services, %d dependencies, %d waves, critical path of %d; %d KiB of YAML; %d runs, in-process%n",
                SERVICES, spec.services().stream().mapToInt(s -> s.dependsOn().size()).sum(), p.waves().size(), p.criticalPath().size(),
                graph.length() / 1024, RUNS);
        System.out.printf(Locale.ROOT, "%-52s %10s %10s   %s%n", "figure (ms)", "first", "median", "target");
        System.out.printf(Locale.ROOT, "%-52s %10.1f %10.1f   %s%n", "validate + plan (first run is cold)", both[0], both[1], "< 1000");
        System.out.printf(Locale.ROOT, "%-52s %10.1f %10.1f   %s%n", "  floor: YAML parse alone", parse[0], parse[1], "");
        System.out.printf(Locale.ROOT, "%-52s %10.1f %10.1f   %s%n", "  read + validate (fields, templates, graph)", read[0], read[1], "");
        System.out.printf(Locale.ROOT, "%-52s %10.1f %10.1f   %s%n", "  plan (waves, critical path, minimum duration)", plan[0], plan[1], "");
        System.out.printf(Locale.ROOT, "%-52s %10.1f %10.1f   %s%n", "graph with one cycle: refused, located", cycle[0], cycle[1], "< 1000");
        System.out.println("refusal: " + refusal[0]);
        System.out.println("files: " + dir);
    }

    /** 1,000 services in the shape of a large estate: each depends on up to three earlier ones; with {@code cycle}, svc-0000 -> svc-0999 -> svc-0500 -> svc-0000 too. */
    static String generate(boolean cycle) {
        Random r = new Random(42);
        StringBuilder y = new StringBuilder("release: big\nmaxParallel: 50\nservices:\n");
        for (int i = 0; i < SERVICES; i++) {
            TreeSet<String> deps = new TreeSet<>();
            int n = i == 0 ? 0 : r.nextInt(4);
            for (int k = 0; k < n; k++) {
                deps.add(name(Math.max(0, i - 1 - r.nextInt(Math.min(i, 40)))));
            }
            if (cycle && i == 0) {
                deps.add(name(SERVICES - 1));
            } else if (cycle && i == SERVICES - 1) {
                deps.add(name(SERVICES / 2));
            } else if (cycle && i == SERVICES / 2) {
                deps.add(name(0));
            }
            boolean canary = i % 3 == 0;
            y.append("  - name: ").append(name(i)).append('\n')
                    .append("    version: 1.").append(i).append(".0\n")
                    .append("    dependsOn: [").append(String.join(", ", deps)).append("]\n")
                    .append("    run: {command: [bin/").append(name(i)).append(", --port, \"{{port}}\"], env: {VERSION: \"{{version}}\"}, replicas: 2}\n")
                    .append("    route: {pathPrefix: /").append(name(i)).append("}\n")
                    .append("    smoke: [{name: alive, request: {path: /").append(name(i)).append("}, expect: {status: 200}}]\n");
            if (canary) {
                y.append("    steps: [{weight: 10}, {bake: ").append(5 + r.nextInt(60)).append("s}, {weight: 50}, {bake: 30s}]\n");
            } else {
                y.append("    strategy: blueGreen\n");
            }
            y.append("    analysis: {postPromotion: ").append(10 + r.nextInt(50)).append("s}\n");
        }
        return y.toString();
    }

    static String name(int i) {
        return String.format(Locale.ROOT, "svc-%04d", i);
    }

    /** {first, median of the next RUNS} in milliseconds. */
    static double[] time(Supplier<?> work) {
        long t0 = System.nanoTime();
        work.get();
        double first = (System.nanoTime() - t0) / 1e6;
        List<Double> rest = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long t = System.nanoTime();
            work.get();
            rest.add((System.nanoTime() - t) / 1e6);
        }
        rest.sort(null);
        return new double[] {first, rest.get(rest.size() / 2)};
    }

    interface Work<T> {
        T run() throws Exception;
    }

    static <T> T call(Work<T> w) {
        try {
            return w.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
