package io.glidepath.bench;

import io.glidepath.risk.Evaluation;
import io.glidepath.risk.Factor;
import io.glidepath.risk.History;
import io.glidepath.risk.RiskModel;
import io.glidepath.risk.SyntheticHistory;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * How well the risk model predicts rollbacks (docs/risk.md): seeded synthetic histories under two
 * ground truths (a typical team, and one whose truth runs against the prior), the model fitted on the
 * older 70% of each history and judged on the newer 30% it never saw. Prints, per truth, the mean and
 * spread over the seeds of AUC, Brier score, log-loss and expected calibration error for the fitted
 * model, the prior alone, the training base rate said of every release and the ground truth itself;
 * the reliability table of the first seed; the learning curve (the same test releases, the model fitted
 * on only the last N releases before them); and how long the server takes to fit on a full history.
 *
 * <p>Settings through the environment: SEEDS (default 10), SEED_BASE (the first seed is SEED_BASE + 1, default 0),
 * RELEASES (per history, default 2000).
 */
public final class RiskBench {
    static final int[] TRAINING = {0, 25, 50, 100, 200, 400, 800, Integer.MAX_VALUE};

    public static void main(String[] args) {
        int seeds = env("SEEDS", 10);
        int releases = env("RELEASES", 2000);
        int base = env("SEED_BASE", 0);
        System.out.printf(Locale.ROOT, "risk benchmark: %d seeded histories (seeds %d-%d) of %d releases per truth, 70%% older to fit, 30%% newer "
                + "to judge%n%n", seeds, base + 1, base + seeds, releases);
        for (SyntheticHistory.Truth truth : List.of(SyntheticHistory.Truth.TYPICAL, SyntheticHistory.Truth.CONTRARY)) {
            List<Evaluation> runs = new ArrayList<>();
            double[][] curve = new double[TRAINING.length][];
            for (int i = 0; i < TRAINING.length; i++) {
                curve[i] = new double[4];
            }
            for (int s = base + 1; s <= base + seeds; s++) {
                SyntheticHistory.Generated g = SyntheticHistory.generate(s, releases, truth);
                runs.add(Evaluation.holdOut(g.releases(), 0.7, Integer.MAX_VALUE, ZoneOffset.UTC, g.truth()));
                for (int i = 0; i < TRAINING.length; i++) {
                    Evaluation e = Evaluation.holdOut(g.releases(), 0.7, TRAINING[i], ZoneOffset.UTC, g.truth());
                    curve[i][0] += e.fitted().auc() / seeds;
                    curve[i][1] += e.fitted().brier() / seeds;
                    curve[i][2] += e.fitted().calibrationError() / seeds;
                    curve[i][3] += e.trained() / (double) seeds;
                }
            }
            Evaluation first = runs.get(0);
            System.out.printf(Locale.ROOT, "truth: %s (%d tested releases per seed, %.1f%% of them failed on average)%n", truth.name(), first.tested(),
                    100 * runs.stream().mapToDouble(Evaluation::testFailureRate).average().orElse(0));
            System.out.printf(Locale.ROOT, "  %-10s %-15s %-17s %-15s %-15s%n", "model", "AUC", "Brier", "log-loss", "calibration err");
            row("fitted", runs, Evaluation::fitted);
            row("prior", runs, Evaluation::prior);
            row("base rate", runs, Evaluation::baseRate);
            row("truth", runs, e -> e.truth().orElseThrow());
            System.out.printf(Locale.ROOT, "  fitted coefficients (first seed; prior in brackets): intercept %.2f (%.2f)", first.model().intercept(),
                    RiskModel.PRIOR_INTERCEPT);
            for (Factor f : Factor.values()) {
                System.out.printf(Locale.ROOT, ", %s %.2f (%.2f)", f.id(), first.model().coefficient(f), f.prior());
            }
            System.out.printf(Locale.ROOT, "%n  reliability (first seed, deciles of the fitted model's prediction): said / failed%n   ");
            first.reliability().forEach(b -> System.out.printf(Locale.ROOT, " %.0f%%/%.0f%%", 100 * b.predicted(), 100 * b.observed()));
            System.out.printf(Locale.ROOT, "%n  learning curve (mean over seeds): releases fitted on -> AUC, Brier, calibration error%n");
            for (int i = 0; i < TRAINING.length; i++) {
                System.out.printf(Locale.ROOT, "    %5.0f -> %.3f  %.4f  %.3f%s%n", curve[i][3], curve[i][0], curve[i][1], curve[i][2],
                        TRAINING[i] == 0 ? "  (the prior alone)" : "");
            }
            System.out.println();
        }
        // what a submission costs the server: features of every past release and the fit, on a full history
        SyntheticHistory.Generated g = SyntheticHistory.generate(1, 1000);
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            History h = new History(g.releases());
            RiskModel.fit(h.examples(ZoneOffset.UTC));
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf(Locale.ROOT, "fitting on 1,000 past releases (their factors and the fit, best of 5): %.0f ms%n", best / 1e6);
    }

    static void row(String name, List<Evaluation> runs, java.util.function.Function<Evaluation, Evaluation.Metrics> metrics) {
        System.out.printf(Locale.ROOT, "  %-10s %-15s %-17s %-15s %-15s%n", name, stat(runs, e -> metrics.apply(e).auc(), 3),
                stat(runs, e -> metrics.apply(e).brier(), 4), stat(runs, e -> metrics.apply(e).logLoss(), 4),
                stat(runs, e -> metrics.apply(e).calibrationError(), 3));
    }

    /** "0.752 ± 0.021": the mean and the standard deviation over the seeds. */
    static String stat(List<Evaluation> runs, ToDoubleFunction<Evaluation> f, int places) {
        double mean = runs.stream().mapToDouble(f).average().orElse(Double.NaN);
        double sd = Math.sqrt(runs.stream().mapToDouble(e -> Math.pow(f.applyAsDouble(e) - mean, 2)).sum() / Math.max(1, runs.size() - 1));
        return String.format(Locale.ROOT, "%." + places + "f ± %." + places + "f", mean, sd);
    }

    static int env(String name, int dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : Integer.parseInt(v.trim());
    }
}
