package io.glidepath.testkit.judge;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One track's request latencies in one second, answering what a judge asks of them: how many
 * requests were slower than a threshold, and the latency at a percentile (by HdrHistogram's rank
 * rule, as the router reports it). Every answer comes from one sample, so all judges given the
 * same second see the same requests.
 *
 * <p>Most seconds are drawn lazily, exactly: the slowest requests' order statistics are drawn one at
 * a time from the top (exponential spacings of uniforms, mapped through the model's inverse
 * survival function) only as far as a question needs, and a percentile far below them (the median)
 * is drawn from its exact conditional distribution, a beta, given the lowest one drawn. A second at
 * 500 requests then costs a few draws instead of 500. Seconds that no monotone model describes (a
 * pause delaying some requests) are drawn request by request ({@link #of}).
 *
 * <p>Counts must be asked before percentiles below them ({@link #prepare} orders a second's
 * questions so), since a percentile drawn by its conditional distribution fixes nothing about the
 * requests between it and the ones already drawn.
 */
public final class Latencies {
    private final long n;
    private final LatencyModel model;
    private final RandomGenerator rng;
    /** Request by request, ascending; null when drawn lazily. */
    private final double[] sorted;
    /** Lazily: the survival probabilities of the slowest requests drawn so far, ascending (slowest first). */
    private double[] top = new double[8];
    private int drawn;
    /** Rank from the top of the lowest order statistic known, and the log of its uniform (1 - survival). */
    private long anchor;
    private double logU;
    private final Map<Double, Long> counts = new HashMap<>();
    private final Map<Long, Double> values = new HashMap<>();

    private Latencies(long n, LatencyModel model, RandomGenerator rng, double[] sorted) {
        this.n = n;
        this.model = model;
        this.rng = rng;
        this.sorted = sorted;
    }

    /** {@code n} latencies from {@code model}, drawn as questions need them with {@code rng} (this second's own). */
    public static Latencies lazy(long n, LatencyModel model, RandomGenerator rng) {
        return new Latencies(n, model, rng, null);
    }

    /** These latencies, request by request. */
    public static Latencies of(double[] latencies) {
        double[] s = latencies.clone();
        Arrays.sort(s);
        return new Latencies(s.length, null, null, s);
    }

    public long count() {
        return n;
    }

    /** Answers these questions in the order that keeps lazy draws consistent: thresholds slowest first, then percentiles highest first. */
    public void prepare(Collection<Double> thresholdsMillis, Collection<Double> percentiles) {
        thresholdsMillis.stream().sorted((a, b) -> Double.compare(b, a)).forEach(this::slowerThan);
        List<Double> ps = percentiles.stream().sorted((a, b) -> Double.compare(b, a)).toList();
        ps.forEach(this::percentile);
    }

    /** How many requests took longer than {@code millis}. */
    public long slowerThan(double millis) {
        Long known = counts.get(millis);
        if (known != null) {
            return known;
        }
        long c;
        if (sorted != null) {
            int i = upperBound(sorted, millis);
            c = sorted.length - i;
        } else {
            double s = model.survival(millis);
            while (drawn < n && (drawn == 0 || top[drawn - 1] < s)) {
                drawNext();
            }
            int i = 0;
            while (i < drawn && top[i] < s * (1 - 1e-9)) {
                i++;
            }
            // at the boundary (a threshold equal to a drawn latency, as a percentile asked back) compare
            // latencies as the percentiles report them, so counts and percentiles never disagree
            while (i < drawn && top[i] <= s * (1 + 1e-9) && model.atSurvival(clamp(top[i])) > millis) {
                i++;
            }
            c = i;
        }
        counts.put(millis, c);
        return c;
    }

    /** The latency at percentile {@code p} (such as 99): the k-th fastest, k = max(1, round(p n / 100)); 0 with no request. */
    public double percentile(double p) {
        if (n == 0) {
            return 0;
        }
        long k = Math.min(n, Math.max(1, (long) (p / 100 * n + 0.5)));
        if (sorted != null) {
            return sorted[(int) k - 1];
        }
        long j = n - k + 1; // rank from the top
        Double known = values.get(j);
        if (known != null) {
            return known;
        }
        double v;
        if (j <= drawn) {
            v = model.atSurvival(clamp(top[(int) j - 1]));
        } else if (anchor == drawn && j - drawn <= 64) {
            while (drawn < j) {
                drawNext();
            }
            v = model.atSurvival(clamp(top[(int) j - 1]));
        } else if (j > anchor) {
            // below the lowest known order statistic u_a the other n - a are uniform on (0, u_a):
            // the (j - a)-th largest of them is u_a times a Beta(n - j + 1, j - a)
            logU += Math.log(Draw.beta(rng, n - j + 1, j - anchor));
            anchor = j;
            v = model.atSurvival(clamp(-Math.expm1(logU)));
        } else {
            throw new IllegalStateException("percentile " + p + " asked after a lower one was drawn by its conditional distribution; use prepare()");
        }
        values.put(j, v);
        return v;
    }

    private void drawNext() {
        if (anchor != drawn) {
            throw new IllegalStateException("a count asked below a percentile drawn by its conditional distribution; use prepare()");
        }
        if (drawn == top.length) {
            top = Arrays.copyOf(top, top.length * 2);
        }
        logU += Math.log(1 - rng.nextDouble()) / (n - drawn);
        top[drawn++] = -Math.expm1(logU);
        anchor = drawn;
    }

    private static double clamp(double s) {
        return Math.min(1 - 1e-16, Math.max(1e-300, s));
    }

    /** The first index whose value is greater than {@code x}. */
    private static int upperBound(double[] a, double x) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
