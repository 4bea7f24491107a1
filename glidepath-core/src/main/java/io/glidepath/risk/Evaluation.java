package io.glidepath.risk;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An honest look at how well the model predicts: releases in time order, the model fitted on the
 * older ones only, judged on the newer ones it never saw (each with its factors as of its own
 * submission, as the server would have shown them). Discrimination (AUC: the chance that a failed
 * release was scored above a promoted one; 0.5 is a coin), calibration (the Brier score, the mean
 * squared error of the probabilities; the expected calibration error and the reliability table by
 * deciles of the prediction: what was said against what happened) and log-loss, for the fitted
 * model, the prior alone, the base rate of the training releases said of every release, and, when
 * the history is synthetic, the ground truth (the best any model could do).
 */
public record Evaluation(int trained, int tested, double testFailureRate, Metrics fitted, Metrics prior, Metrics baseRate, Optional<Metrics> truth,
                         List<Bin> reliability, RiskModel model) {

    public record Metrics(double auc, double brier, double logLoss, double calibrationError) {
    }

    /** A tenth of the tested releases, by the fitted model's prediction: what it said on average, and what happened. */
    public record Bin(int releases, double predicted, double observed) {
    }

    /**
     * Fits on the first {@code trainShare} of the releases that teach something (in time order), at most
     * {@code trainLimit} of them counted back from the split (so a thin history can be tried against the
     * same test releases), and evaluates on the rest.
     */
    public static Evaluation holdOut(List<ReleaseFacts> releases, double trainShare, int trainLimit, ZoneId zone, Map<String, Double> truth) {
        History h = new History(releases);
        List<ReleaseFacts> teaching = h.releases().stream().filter(r -> r.failed().isPresent()).toList();
        int split = (int) Math.round(teaching.size() * trainShare);
        List<RiskModel.Example> train = new ArrayList<>();
        for (ReleaseFacts r : teaching.subList(Math.max(0, split - trainLimit), split)) {
            h.example(r, zone).ifPresent(train::add);
        }
        RiskModel fitted = RiskModel.fit(train);
        RiskModel prior = RiskModel.prior();
        double rate = train.isEmpty() ? 0.05 : Math.max(0.001, Math.min(0.999, train.stream().filter(RiskModel.Example::failed).count()
                / (double) train.size()));
        RiskModel constant = RiskModel.constant(rate);
        List<ReleaseFacts> test = teaching.subList(split, teaching.size());
        int n = test.size();
        double[] yes = new double[n];
        double[] pf = new double[n];
        double[] pp = new double[n];
        double[] pc = new double[n];
        double[] pt = new double[n];
        for (int i = 0; i < n; i++) {
            ReleaseFacts r = test.get(i);
            double[] x = h.features(r, zone);
            yes[i] = r.failed().orElseThrow() ? 1 : 0;
            pf[i] = fitted.probability(x);
            pp[i] = prior.probability(x);
            pc[i] = constant.probability(x);
            pt[i] = truth.getOrDefault(r.id(), Double.NaN);
        }
        Optional<Metrics> t = truth.isEmpty() ? Optional.empty() : Optional.of(metrics(pt, yes));
        return new Evaluation(train.size(), n, Arrays.stream(yes).average().orElse(0), metrics(pf, yes), metrics(pp, yes), metrics(pc, yes), t,
                bins(pf, yes, 10), fitted);
    }

    static Metrics metrics(double[] p, double[] y) {
        return new Metrics(auc(p, y), brier(p, y), logLoss(p, y), calibrationError(bins(p, y, 10), y.length));
    }

    /** The area under the ROC curve, by ranks (Mann-Whitney), ties counted half. */
    static double auc(double[] p, double[] y) {
        int n = p.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        double[] rank = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && p[order[j + 1]] == p[order[i]]) {
                j++;
            }
            double r = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                rank[order[k]] = r;
            }
            i = j + 1;
        }
        double positives = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (y[i] == 1) {
                positives++;
                sum += rank[i];
            }
        }
        double negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (sum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    static double brier(double[] p, double[] y) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += (p[i] - y[i]) * (p[i] - y[i]);
        }
        return s / p.length;
    }

    static double logLoss(double[] p, double[] y) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            double q = Math.max(1e-9, Math.min(1 - 1e-9, p[i]));
            s -= y[i] * Math.log(q) + (1 - y[i]) * Math.log(1 - q);
        }
        return s / p.length;
    }

    /**
     * Deciles of the prediction (about equal counts, in order of the prediction); equal predictions are never
     * split between bins (so a model that says the same of every release has one bin, not ten arbitrary ones).
     */
    static List<Bin> bins(double[] p, double[] y, int count) {
        int n = p.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> p[i]));
        List<Bin> out = new ArrayList<>();
        int from = 0;
        for (int b = 1; b <= count && from < n; b++) {
            int to = Math.max(from + 1, b * n / count);
            while (to < n && p[order[to]] == p[order[to - 1]]) {
                to++;
            }
            if (b == count) {
                to = n;
            }
            double sp = 0;
            double sy = 0;
            for (int k = from; k < to; k++) {
                sp += p[order[k]];
                sy += y[order[k]];
            }
            out.add(new Bin(to - from, sp / (to - from), sy / (to - from)));
            from = to;
        }
        return out;
    }

    /** The expected calibration error: the gap between said and happened in each bin, weighted by its size. */
    static double calibrationError(List<Bin> bins, int n) {
        return bins.stream().mapToDouble(b -> b.releases() * Math.abs(b.predicted() - b.observed())).sum() / n;
    }
}
