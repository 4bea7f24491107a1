package io.glidepath.bench;

import io.glidepath.testkit.judge.Contender;
import io.glidepath.testkit.judge.LatencyModel;
import io.glidepath.testkit.judge.Scenario;
import io.glidepath.testkit.judge.Scenario.Effect;
import io.glidepath.testkit.judge.Scenario.Split;
import io.glidepath.testkit.judge.Scenario.Variant;
import io.glidepath.testkit.judge.Tally;
import io.glidepath.testkit.judge.TrafficStream;
import io.glidepath.testkit.judge.Trials;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.apache.commons.math3.distribution.BetaDistribution;

/**
 * Decision quality of the canary judges (issue 11): seeded synthetic per-second streams, every judge
 * on the same data (docs/benchmarks.md has the set-up). For each cell (a scenario cut at one horizon)
 * it prints, per judge: for healthy canaries (A/A) the false-rollback rate with its Clopper-Pearson
 * 95% interval; for regressions (A/B) the power, the median and p90 time from the onset to the
 * rollback, the canary errors served from the onset until the decision (median), and rollbacks
 * before the onset; and the share of runs that ended without a judgement. Then the sequential
 * judge's targets, cell by cell.
 *
 * <p>Settings through the environment: RUNS (A/A runs per scenario, default 2000), AB_RUNS (A/B runs,
 * default the smaller of RUNS and 300), THREADS (default the processors), SEED (default 11), ONLY (a
 * regular expression a scenario's label must contain, to run a part), JUDGES (a regular expression a
 * judge's name must contain; the data, seeded per scenario, is the same whichever judges run).
 */
public final class JudgeBench {
    static final List<Integer> HORIZONS = List.of(30, 300, 1800);
    static final double[] RPS = {5, 50, 500};
    static final double[] SHARES = {0.1, 0.5};
    static final double[] BASELINES = {0.001, 0.01};

    /** One scenario's results: tallies by judge, then horizon. */
    record Result(Scenario scenario, Tally[][] tallies, int runs) {
    }

    public static void main(String[] args) throws Exception {
        int runs = env("RUNS", 2000);
        int abRuns = env("AB_RUNS", Math.min(runs, 300));
        int threads = env("THREADS", Runtime.getRuntime().availableProcessors());
        long seed = env("SEED", 11);
        String only = System.getenv("ONLY");
        Pattern filter = only == null || only.isBlank() ? null : Pattern.compile(only);
        String judgeFilter = System.getenv("JUDGES");
        List<Contender> judges = judgeFilter == null || judgeFilter.isBlank() ? Contender.all()
                : Contender.all().stream().filter(c -> Pattern.compile(judgeFilter).matcher(c.name()).find()).toList();
        if (judges.isEmpty()) {
            throw new IllegalArgumentException("JUDGES=" + judgeFilter + " matches none of " + Contender.all().stream().map(Contender::name).toList());
        }

        System.out.printf(Locale.ROOT, "judge benchmark: %d A/A runs and %d A/B runs per scenario, seed %d, %d threads, %d processors%n",
                runs, abRuns, seed, threads, Runtime.getRuntime().availableProcessors());
        System.out.println("judges: " + judges.stream().map(Contender::name).toList()
                + " (thresholds: docs/spec.md's example analysis, errorRate max 1% maxIncrease 0.5%, p99 max 300ms, minRequests 50,"
                + " failAfter 2; sequential: docs/analysis.md's example, alpha 1%, tolerance 1.0, errorRate max 5%, p99 max 300ms)");
        long start = System.nanoTime();
        List<Result> healthy = new ArrayList<>();
        List<Result> regressed = new ArrayList<>();
        try (ExecutorService executor = Executors.newFixedThreadPool(threads)) {
            for (Scenario s : scenarios()) {
                if (filter != null && !filter.matcher(s.label()).find()) {
                    continue;
                }
                int n = s.healthy() ? runs : abRuns;
                long t0 = System.nanoTime();
                Tally[][] t = Trials.run(s, n, seedOf(seed, s), judges, executor);
                System.err.printf(Locale.ROOT, "%-60s %5d runs %7.1f s%n", s.label() + " " + s.horizons(), n, (System.nanoTime() - t0) / 1e9);
                (s.healthy() ? healthy : regressed).add(new Result(s, t, n));
            }
        }
        double minutes = (System.nanoTime() - start) / 60e9;
        printHealthy(healthy, judges);
        printRegressed(regressed, judges);
        printTargets(healthy, regressed, judges);
        System.out.printf(Locale.ROOT, "%nwall time %.1f min%n", minutes);
    }

    /**
     * A/A: every traffic level, split, baseline and variant; A/B on independent traffic: each regression,
     * at once and after 5 minutes; and errors x2 on a sticky split.
     */
    static List<Scenario> scenarios() {
        List<Scenario> out = new ArrayList<>();
        Effect none = new Effect.None();
        for (double rps : RPS) {
            for (double base : BASELINES) {
                for (Variant v : Variant.values()) {
                    for (double share : SHARES) {
                        out.add(new Scenario(rps, new Split.Constant(share), base, v, none, 0, HORIZONS));
                    }
                    for (int h : HORIZONS) {
                        out.add(new Scenario(rps, new Split.Step(0.1, 0.5, h / 2), base, v, none, 0, List.of(h)));
                    }
                }
            }
        }
        for (double rps : RPS) {
            for (Effect e : effects()) {
                for (double base : e instanceof Effect.Errors ? BASELINES : new double[] {0.001}) {
                    for (double share : SHARES) {
                        out.add(new Scenario(rps, new Split.Constant(share), base, Variant.IID, e, 0, HORIZONS));
                        out.add(new Scenario(rps, new Split.Constant(share), base, Variant.IID, e, 300, List.of(1800)));
                    }
                    for (int h : HORIZONS) {
                        out.add(new Scenario(rps, new Split.Step(0.1, 0.5, h / 2), base, Variant.IID, e, 0, List.of(h)));
                    }
                    out.add(new Scenario(rps, new Split.Step(0.1, 0.5, 900), base, Variant.IID, e, 300, List.of(1800)));
                }
            }
            // errors x2 on a sticky split, where the sequential judge counts clients (each client's first error) instead of requests
            for (double base : BASELINES) {
                for (double share : SHARES) {
                    out.add(new Scenario(rps, new Split.Constant(share), base, Variant.STICKY, new Effect.Errors(2), 0, HORIZONS));
                }
            }
        }
        return out;
    }

    static List<Effect> effects() {
        return List.of(new Effect.Errors(2), new Effect.Errors(1.3), new Effect.Latency(1.5, false), new Effect.Latency(1.5, true),
                new Effect.Latency(1.3, false));
    }

    /** A scenario's seed: the bench's seed mixed with the scenario's label, so adding a scenario changes no other's figures. */
    static long seedOf(long seed, Scenario s) {
        return TrafficStream.mix(seed, (s.label() + s.horizons()).hashCode());
    }

    private static void printHealthy(List<Result> results, List<Contender> judges) {
        if (results.isEmpty()) {
            return;
        }
        System.out.println();
        System.out.println("### Healthy canaries (A/A): false rollbacks, % of runs [Clopper-Pearson 95%]; share of runs ended without a judgement");
        System.out.println();
        StringBuilder head = new StringBuilder("| rps | split | errors | variant | horizon | runs |");
        StringBuilder rule = new StringBuilder("|---:|---|---:|---|---:|---:|");
        for (Contender c : judges) {
            head.append(' ').append(c.name()).append(" |");
            rule.append("---|");
        }
        System.out.println(head);
        System.out.println(rule);
        for (Result r : results) {
            for (int h = 0; h < r.scenario().horizons().size(); h++) {
                StringBuilder row = new StringBuilder(cellColumns(r.scenario(), h)).append(r.runs()).append(" |");
                for (int c = 0; c < judges.size(); c++) {
                    Tally t = r.tallies()[c][h];
                    double[] ci = clopperPearson(t.rollbacks(), t.runs());
                    row.append(String.format(Locale.ROOT, " %s [%s-%s]%s |", pct(t.rollbacks(), t.runs()), pct(ci[0]), pct(ci[1]),
                            t.inconclusive() == 0 ? "" : " inc " + pct(t.inconclusive(), t.runs())));
                }
                System.out.println(row);
            }
        }
    }

    private static void printRegressed(List<Result> results, List<Contender> judges) {
        if (results.isEmpty()) {
            return;
        }
        System.out.println();
        System.out.println("### Regressions (A/B): power % · median/p90 s from onset to rollback (>h: fewer decided) · canary errors served"
                + " from onset (median) [· rolled back before onset % · inconclusive %]");
        System.out.println("events: the canary's expected regression events from onset to the horizon (errors, or requests slower than"
                + " stable's p99 of 159 ms)");
        System.out.println();
        StringBuilder head = new StringBuilder("| rps | split | errors | regression | horizon | events | runs |");
        StringBuilder rule = new StringBuilder("|---:|---|---:|---|---:|---:|---:|");
        for (Contender c : judges) {
            head.append(' ').append(c.name()).append(" |");
            rule.append("---|");
        }
        System.out.println(head);
        System.out.println(rule);
        for (Result r : results) {
            Scenario s = r.scenario();
            for (int h = 0; h < s.horizons().size(); h++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %s | %s | %s | %ss | %.0f | %d |", trim(s.rps()),
                        s.split().label(), pctFraction(s.baselineErrors()), s.effect().label() + (s.onsetSeconds() > 0 ? " from "
                        + s.onsetSeconds() / 60 + "m" : "") + (s.variant() == Variant.IID ? "" : " (" + s.variant().label + ")"), s.horizons().get(h), expectedEvents(s, s.horizons().get(h)), r.runs()));
                for (int c = 0; c < judges.size(); c++) {
                    Tally t = r.tallies()[c][h];
                    int horizon = s.horizons().get(h) - s.onsetSeconds();
                    row.append(String.format(Locale.ROOT, " %s · %s/%s · %.0f%s%s |", pct(t.rollbacks() - t.early(), t.runs()),
                            seconds(t.decisionSeconds(0.5), horizon), seconds(t.decisionSeconds(0.9), horizon), t.medianErrorsServed(),
                            t.early() == 0 ? "" : " · early " + pct(t.early(), t.runs()),
                            t.inconclusive() == 0 ? "" : " · inc " + pct(t.inconclusive(), t.runs())));
                }
                System.out.println(row);
            }
        }
    }

    /** Each configuration of the sequential judge that ran, against the issue's targets. */
    private static void printTargets(List<Result> healthy, List<Result> regressed, List<Contender> judges) {
        for (Contender c : judges) {
            if (c.name().startsWith("sequential")) {
                printTargets(healthy, regressed, judges, c.name());
            }
        }
    }

    /** One sequential judge against the issue's targets, naming each cell that misses one. */
    private static void printTargets(List<Result> healthy, List<Result> regressed, List<Contender> judges, String name) {
        int seq = index(judges, name);
        int k5 = index(judges, "kayenta-5m");
        System.out.println();
        System.out.println("### " + name + " against the targets");
        double worst = 0;
        String worstCell = "";
        List<String> fprMisses = new ArrayList<>();
        List<String> open = new ArrayList<>();
        for (Result r : healthy) {
            for (int h = 0; h < r.scenario().horizons().size(); h++) {
                Tally t = r.tallies()[seq][h];
                double upper = clopperPearson(t.rollbacks(), t.runs())[1];
                String cell = r.scenario().label() + " @" + r.scenario().horizons().get(h) + "s";
                if (upper > worst) {
                    worst = upper;
                    worstCell = cell;
                }
                double[] ci = clopperPearson(t.rollbacks(), t.runs());
                if (ci[0] > 0.01) {
                    fprMisses.add(String.format(Locale.ROOT, "missed (lower bound above 1%%): %s: %d of %d (%s%% [%s-%s])", cell, t.rollbacks(),
                            t.runs(), pct(t.rollbacks(), t.runs()), pct(ci[0]), pct(ci[1])));
                } else if (upper > 0.01) {
                    open.add(String.format(Locale.ROOT, "%s: %d of %d (%s%% [%s-%s])", cell, t.rollbacks(), t.runs(), pct(t.rollbacks(), t.runs()),
                            pct(ci[0]), pct(ci[1])));
                }
            }
        }
        int cells = healthy.stream().mapToInt(r -> r.scenario().horizons().size()).sum();
        System.out.printf(Locale.ROOT, "false rollbacks <= 1%% (upper 95%% bound) in every A/A cell: met in %d of %d cells, missed in %d, "
                + "open in %d (the interval straddles 1%%: more runs decide); worst upper bound %s%% (%s)%n", cells - fprMisses.size() - open.size(),
                cells, fprMisses.size(), open.size(), pct(worst), worstCell);
        fprMisses.forEach(m -> System.out.println("  " + m));
        open.forEach(m -> System.out.println("  open: " + m));
        List<String> powerMisses = new ArrayList<>();
        List<String> slower = new ArrayList<>();
        int powerCells = 0;
        int timeCells = 0;
        for (Result r : regressed) {
            Scenario s = r.scenario();
            // the power target is for independent traffic; a sticky split's power is the clients' (see docs/analysis.md)
            boolean headline = s.variant() == Variant.IID && (s.effect() instanceof Effect.Errors e && e.multiplier() == 2
                    || s.effect() instanceof Effect.Latency l && l.factor() == 1.5);
            for (int h = 0; h < s.horizons().size(); h++) {
                Tally t = r.tallies()[seq][h];
                String cell = s.label() + " @" + s.horizons().get(h) + "s";
                double power = (double) (t.rollbacks() - t.early()) / t.runs();
                if (headline) {
                    powerCells++;
                    if (power < 0.99) {
                        powerMisses.add(String.format(Locale.ROOT, "%s: %s%% (%.0f regression events expected by the horizon)", cell,
                                pct(t.rollbacks() - t.early(), t.runs()), expectedEvents(s, s.horizons().get(h))));
                    }
                }
                if (k5 < 0) {
                    continue;
                }
                OptionalDouble mine = t.decisionSeconds(0.5);
                OptionalDouble theirs = r.tallies()[k5][h].decisionSeconds(0.5);
                if (theirs.isPresent() || mine.isPresent()) {
                    timeCells++;
                    if (mine.isEmpty() || theirs.isPresent() && mine.getAsDouble() >= theirs.getAsDouble()) {
                        int horizon = s.horizons().get(h) - s.onsetSeconds();
                        slower.add(String.format(Locale.ROOT, "%s: %s %s s, kayenta-5m %s s", cell, name, seconds(mine, horizon),
                                seconds(theirs, horizon)));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "power >= 99%% for errors x2 and p99 +50%%: %d of %d cells%n", powerCells - powerMisses.size(), powerCells);
        powerMisses.forEach(m -> System.out.println("  below: " + m));
        if (k5 < 0) {
            System.out.println("median decision time: kayenta-5m did not run (JUDGES)");
            return;
        }
        System.out.printf(Locale.ROOT, "median decision time below kayenta-5m's where either decides: %d of %d cells%n", timeCells - slower.size(), timeCells);
        slower.forEach(m -> System.out.println("  not faster: " + m));
    }

    /** The canary's expected regression events from onset to the horizon: errors, or requests slower than stable's p99. */
    static double expectedEvents(Scenario s, int horizon) {
        double perRequest;
        if (s.effect() instanceof Effect.Errors e) {
            perRequest = Math.min(1, s.baselineErrors() * e.multiplier());
        } else if (s.effect() instanceof Effect.Latency l) {
            LatencyModel healthy = LatencyModel.healthy();
            LatencyModel m = l.tailOnly() ? healthy.tailStretched(l.factor()) : healthy.scaled(l.factor());
            perRequest = m.survival(healthy.atSurvival(0.01));
        } else {
            return 0;
        }
        double sum = 0;
        for (int t = s.onsetSeconds() + 1; t <= horizon; t++) {
            sum += s.rps() * s.split().share(t) * perRequest;
        }
        return sum;
    }

    private static String cellColumns(Scenario s, int h) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %ss | ", trim(s.rps()), s.split().label(), pctFraction(s.baselineErrors()),
                s.variant().label, s.horizons().get(h));
    }

    /** The judge's column, or -1 when JUDGES left it out. */
    private static int index(List<Contender> judges, String name) {
        for (int i = 0; i < judges.size(); i++) {
            if (judges.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The exact (Clopper-Pearson) two-sided 95% interval of a binomial proportion. */
    static double[] clopperPearson(int x, int n) {
        double lo = x == 0 ? 0 : new BetaDistribution(x, n - x + 1).inverseCumulativeProbability(0.025);
        double hi = x == n ? 1 : new BetaDistribution(x + 1, n - x).inverseCumulativeProbability(0.975);
        return new double[] {lo, hi};
    }

    private static String seconds(OptionalDouble s, int horizon) {
        return s.isPresent() ? String.format(Locale.ROOT, "%.0f", s.getAsDouble()) : ">" + horizon;
    }

    private static String pct(int x, int n) {
        return pct(n == 0 ? 0 : (double) x / n);
    }

    private static String pct(double fraction) {
        double p = fraction * 100;
        return p == 0 ? "0" : p >= 10 ? String.format(Locale.ROOT, "%.0f", p) : String.format(Locale.ROOT, "%.2g", p);
    }

    private static String pctFraction(double fraction) {
        return trim(Math.round(fraction * 1e6) / 1e4) + "%";
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static int env(String name, int fallback) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number; got \"" + v + "\"", e);
        }
    }
}
