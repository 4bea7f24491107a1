package io.glidepath.testkit.judge;

import java.util.Arrays;

/**
 * The Mann-Whitney (Wilcoxon rank-sum) comparison Kayenta's judge makes, as R's {@code wilcox.test}
 * computes it without the exact distribution: the normal approximation with the tie correction and
 * the continuity correction, a confidence interval for the shift of x against y (x - d against y, the
 * d where the standardized statistic crosses the normal quantile) and the Hodges-Lehmann estimate
 * (where it crosses 0). Roots are found by bisection between {@code min(x) - max(y)} and
 * {@code max(x) - min(y)}; each step is one merge of the two sorted samples.
 */
final class MannWhitney {
    private final double[] x;
    private final double[] y;

    MannWhitney(double[] x, double[] y) {
        if (x.length == 0 || y.length == 0) {
            throw new IllegalArgumentException("Mann-Whitney needs values on both sides");
        }
        this.x = x.clone();
        this.y = y.clone();
        Arrays.sort(this.x);
        Arrays.sort(this.y);
    }

    /** The Hodges-Lehmann estimate of the shift of x against y: where the statistic crosses 0. */
    double estimate() {
        return root(0);
    }

    /** The lower end of the shift's two-sided interval at {@code confidence} (such as 0.98). */
    double lower(double confidence) {
        return root(upperNormalQuantile((1 - confidence) / 2));
    }

    /** The upper end of the shift's two-sided interval at {@code confidence}. */
    double upper(double confidence) {
        return root(-upperNormalQuantile((1 - confidence) / 2));
    }

    /**
     * The d where (U(d) - n m / 2 - sign * 0.5) / sigma(d) - zq changes sign; it falls as d grows. When
     * the ends do not bracket a root (too few values for the level), the nearer end, as R's warning case.
     */
    private double root(double zq) {
        double lo = x[0] - y[y.length - 1];
        double hi = x[x.length - 1] - y[0];
        if (standardized(lo) - zq <= 0) {
            return lo;
        }
        if (standardized(hi) - zq >= 0) {
            return hi;
        }
        for (int i = 0; i < 100 && hi - lo > 1e-10 * Math.max(1e-9, Math.abs(lo) + Math.abs(hi)); i++) {
            double mid = (lo + hi) / 2;
            if (standardized(mid) - zq > 0) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return jumpIn(lo, hi);
    }

    /**
     * The statistic is a step function whose jumps are at the pairwise differences x_i - y_j, so its
     * crossing is one of them: the difference inside the bracket bisection closed on (with many ties,
     * as of seconds without errors, it is exactly 0, where a midpoint would be a meaningless 1e-13).
     */
    private double jumpIn(double lo, double hi) {
        for (double xi : x) {
            int at = lowerBound(y, xi - hi);
            if (at < y.length && y[at] <= xi - lo) {
                return xi - y[at];
            }
        }
        return (lo + hi) / 2;
    }

    /** The first index whose value is at least {@code v}. */
    private static int lowerBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The standardized rank-sum statistic of x - d against y, with the tie and continuity corrections. */
    double standardized(double d) {
        int n = x.length;
        int m = y.length;
        double u = 0;
        double ties = 0;
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            double v = i < n && (j >= m || x[i] - d <= y[j]) ? x[i] - d : y[j];
            int cx = 0;
            while (i < n && x[i] - d == v) {
                cx++;
                i++;
            }
            int cy = 0;
            while (j < m && y[j] == v) {
                cy++;
                j++;
            }
            // each x at v beats the y below it (j - cy of them) and ties with the cy at v
            u += cx * ((j - cy) + 0.5 * cy);
            long t = cx + cy;
            ties += (double) t * t * t - t;
        }
        double dz = u - (double) n * m / 2;
        double total = n + m;
        double sigma = Math.sqrt((double) n * m / 12 * ((total + 1) - ties / (total * (total - 1))));
        if (sigma == 0) {
            return 0;
        }
        return (dz - Math.signum(dz) * 0.5) / sigma;
    }

    /** The z with P(Z > z) = p, by bisection on the normal tail. */
    static double upperNormalQuantile(double p) {
        double lo = -40;
        double hi = 40;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (Draw.normalTail(mid) > p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }
}
