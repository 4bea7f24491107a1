package io.glidepath.testkit.judge;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.analysis.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A judge made as Kayenta's NetflixACAJudge judges a canary, for the benchmark to compare with: at the
 * end of each window (5, 10 or 30 minutes) it takes the window's per-second values of each metric on
 * each track (the error rate and the p99 latency; a second without requests has none), removes each
 * series' outliers (IQR with factor 3, never inside the 1st-99th percentiles, as Kayenta's
 * {@code IQRDetector(3.0, reduceSensitivity = true)}), and classifies the canary High when the
 * Mann-Whitney interval of its shift against stable at confidence 0.98 lies above 0.25 times the
 * shift's own estimate and its mean is at least stable's (Kayenta's {@code MannWhitneyClassifier},
 * tolerance 0.25). Any metric High fails the window, and the canary is rolled back (Kayenta's score of
 * 50 of 100 with two metrics is below any pass mark). Between window ends it has nothing to say.
 */
public final class KayentaLikeJudge implements AgainstStableOnly {
    static final double CONFIDENCE = 0.98;
    static final double TOLERANCE = 0.25;
    static final double IQR_FACTOR = 3;
    private static final double P99 = 99;

    private final int windowSeconds;
    private final double[] stableErrors;
    private final double[] canaryErrors;
    private final double[] stableP99;
    private final double[] canaryP99;
    private int seconds;
    private int windows;

    public KayentaLikeJudge(Duration window) {
        this.windowSeconds = Math.toIntExact(window.toSeconds());
        if (windowSeconds < 1) {
            throw new IllegalArgumentException("a window of at least a second; got " + window);
        }
        this.stableErrors = new double[windowSeconds];
        this.canaryErrors = new double[windowSeconds];
        this.stableP99 = new double[windowSeconds];
        this.canaryP99 = new double[windowSeconds];
    }

    @Override
    public MetricQuery query(Duration interval) {
        return MetricQuery.of(interval, Set.of(P99));
    }

    @Override
    public Verdict canary(TrafficWindow w) {
        int i = seconds % windowSeconds;
        seconds++;
        stableErrors[i] = rate(w.stable());
        canaryErrors[i] = rate(w.canary());
        stableP99[i] = w.stable().requests() == 0 ? Double.NaN : w.stable().latencyMillis().getOrDefault(P99, Double.NaN);
        canaryP99[i] = w.canary().requests() == 0 ? Double.NaN : w.canary().latencyMillis().getOrDefault(P99, Double.NaN);
        if (seconds % windowSeconds != 0) {
            return new Verdict(Verdict.Outcome.INCONCLUSIVE, "collecting: " + (i + 1) + " of " + windowSeconds + " seconds of this window", List.of(), w);
        }
        windows++;
        List<String> high = new ArrayList<>();
        classify("error rate", canaryErrors, stableErrors).ifPresent(high::add);
        classify("p99 latency", canaryP99, stableP99).ifPresent(high::add);
        String over = " over the last " + windowSeconds + " s";
        return high.isEmpty() ? new Verdict(Verdict.Outcome.PASS, "pass: no metric high" + over, List.of(), w)
                : new Verdict(Verdict.Outcome.FAIL, "fail: " + String.join("; ", high) + over, high, w);
    }

    /** The classification of one metric: a sentence when it is High. */
    static Optional<String> classify(String metric, double[] canary, double[] stable) {
        double[] x = withoutOutliers(withoutNaN(canary));
        double[] y = withoutOutliers(withoutNaN(stable));
        if (x.length == 0 || y.length == 0) {
            return Optional.empty(); // no data: Kayenta's Nodata, which does not fail a canary unless the metric is critical
        }
        double[] xs = x.clone();
        double[] ys = y.clone();
        Arrays.sort(xs);
        Arrays.sort(ys);
        if (Arrays.equals(xs, ys) || xs[0] == xs[xs.length - 1] && ys[0] == ys[ys.length - 1] && xs[0] == ys[0]) {
            return Optional.empty(); // identical, or a single value on both sides: Pass
        }
        double meanY = mean(ys);
        double deviation = meanY == 0 ? 1 : mean(xs) / meanY;
        if (deviation < 1) {
            return Optional.empty(); // Kayenta's effect-size check: a canary with a lower mean is never High
        }
        MannWhitney mw = new MannWhitney(xs, ys);
        double estimate = mw.estimate();
        if (estimate <= 0) {
            return Optional.empty(); // the interval's lower end is below the estimate, so not above 0.25 |estimate|
        }
        double low = mw.lower(CONFIDENCE);
        if (low > TOLERANCE * Math.abs(estimate)) {
            return Optional.of(String.format(Locale.ROOT, "%s high: shift %.4g (%.0f%% interval from %.4g), canary mean %.2fx stable's",
                    metric, estimate, CONFIDENCE * 100, low, deviation));
        }
        return Optional.empty();
    }

    /** Values outside Q1 - 3 IQR .. Q3 + 3 IQR, widened to the 1st and 99th percentiles, removed. */
    static double[] withoutOutliers(double[] v) {
        if (v.length == 0) {
            return v;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        double q1 = percentile(s, 25);
        double q3 = percentile(s, 75);
        double iqr = q3 - q1;
        double low = Math.min(percentile(s, 1), q1 - IQR_FACTOR * iqr);
        double high = Math.max(percentile(s, 99), q3 + IQR_FACTOR * iqr);
        return Arrays.stream(v).filter(d -> d >= low && d <= high).toArray();
    }

    /** Commons Math's default percentile (the one Kayenta calls): position p (n + 1) / 100, interpolated. */
    static double percentile(double[] sorted, double p) {
        int n = sorted.length;
        double pos = p * (n + 1) / 100;
        if (pos < 1) {
            return sorted[0];
        }
        if (pos >= n) {
            return sorted[n - 1];
        }
        int lower = (int) Math.floor(pos);
        double d = pos - lower;
        return sorted[lower - 1] + d * (sorted[lower] - sorted[lower - 1]);
    }

    private static double[] withoutNaN(double[] v) {
        return Arrays.stream(v).filter(d -> !Double.isNaN(d)).toArray();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        return s / v.length;
    }

    private static double rate(TrackFigures f) {
        return f.requests() == 0 ? Double.NaN : (double) f.errors() / f.requests();
    }

    /** INCONCLUSIVE when the analysis ended before its first window did; PASS otherwise (a failing window already rolled back). */
    @Override
    public Verdict conclude() {
        TrafficWindow none = TrafficWindow.none();
        if (windows == 0) {
            return new Verdict(Verdict.Outcome.INCONCLUSIVE, "inconclusive: the analysis ended after " + seconds + " s, before its first "
                    + windowSeconds + " s window", List.of(), none);
        }
        return new Verdict(Verdict.Outcome.PASS, "pass: " + windows + " windows judged", List.of(), none);
    }

    @Override
    public Optional<JsonNode> state() {
        return Optional.empty();
    }
}
