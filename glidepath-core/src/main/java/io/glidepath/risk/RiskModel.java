package io.glidepath.risk;

import java.util.Arrays;
import java.util.List;

/**
 * Logistic regression of a release's rollback on its {@link Factor}s: log-odds = intercept + sum of
 * coefficient x value. {@link #prior()} is written down ({@link Factor#prior()}, {@link #PRIOR_INTERCEPT});
 * {@link #fit} finds the coefficients most probable given the history under a Gaussian prior centred on
 * those (L2 regularisation towards the prior, not towards zero). So the prior dominates while the history is
 * thin, and each factor moves away from it only as far as the releases that show it justify: a factor seen
 * in a handful of releases keeps about its prior, one seen in hundreds takes what they say.
 */
public record RiskModel(double intercept, double[] coefficients, int releases, int failures) {

    /**
     * A plain release (one service, shipped lately, no rollbacks, migration, configuration change,
     * overlap, in working hours) fails 5% of the time: logit(0.05) = -2.94. DORA's surveys put the
     * change failure rate of good teams between 0 and 15%; a release proven by readiness, smoke
     * checks and analysis sits low in that range.
     */
    public static final double PRIOR_INTERCEPT = -2.94;
    /**
     * How strongly each coefficient is held to its prior: a Gaussian of standard deviation 0.35 (precision 8).
     * With a rollback rate near 10%, a factor present in about 90 past releases weighs as much as its prior.
     * (Chosen between 4 and 8 on the benchmark's generated histories: 8 loses less while the history is
     * thin and as much once it is not; docs/benchmarks.md.)
     */
    public static final double COEFFICIENT_PRECISION = 8.0;
    /**
     * The intercept is held more loosely (standard deviation 0.7): a team's base rate is the first thing its
     * history says; about 15 releases weigh as much as the prior's 5%.
     */
    public static final double INTERCEPT_PRECISION = 2.0;

    public RiskModel {
        coefficients = coefficients.clone();
        if (coefficients.length != Factor.values().length) {
            throw new IllegalArgumentException("one coefficient per factor: " + Factor.values().length + ", got " + coefficients.length);
        }
    }

    public static RiskModel prior() {
        return new RiskModel(PRIOR_INTERCEPT, Arrays.stream(Factor.values()).mapToDouble(Factor::prior).toArray(), 0, 0);
    }

    /** A model that says the same of every release (the evaluation's yardstick). */
    public static RiskModel constant(double probability) {
        return new RiskModel(Math.log(probability / (1 - probability)), new double[Factor.values().length], 0, 0);
    }

    /** One past release: its factors and whether it failed. */
    public record Example(double[] x, boolean failed) {
    }

    /** The prior, fitted to {@code examples} (maximum a posteriori, by Newton's method). */
    public static RiskModel fit(List<Example> examples) {
        return fit(examples, prior(), COEFFICIENT_PRECISION, INTERCEPT_PRECISION);
    }

    public static RiskModel fit(List<Example> examples, RiskModel prior, double precision, double interceptPrecision) {
        int d = Factor.values().length + 1;
        double[] centre = new double[d];
        centre[0] = prior.intercept;
        System.arraycopy(prior.coefficients, 0, centre, 1, d - 1);
        double[] lambda = new double[d];
        Arrays.fill(lambda, precision);
        lambda[0] = interceptPrecision;
        double[] beta = centre.clone();
        double[] xi = new double[d];
        for (int iteration = 0; iteration < 100; iteration++) {
            double[] gradient = new double[d];
            double[][] hessian = new double[d][d];
            for (int j = 0; j < d; j++) {
                gradient[j] = lambda[j] * (beta[j] - centre[j]);
                hessian[j][j] = lambda[j];
            }
            for (Example e : examples) {
                xi[0] = 1;
                System.arraycopy(e.x(), 0, xi, 1, d - 1);
                double p = sigmoid(dot(beta, xi));
                double w = p * (1 - p);
                double r = p - (e.failed() ? 1 : 0);
                for (int j = 0; j < d; j++) {
                    gradient[j] += r * xi[j];
                    for (int k = 0; k <= j; k++) {
                        hessian[j][k] += w * xi[j] * xi[k];
                    }
                }
            }
            for (int j = 0; j < d; j++) {
                for (int k = j + 1; k < d; k++) {
                    hessian[j][k] = hessian[k][j];
                }
            }
            double[] step = solve(hessian, gradient);
            double largest = 0;
            for (int j = 0; j < d; j++) {
                beta[j] -= step[j];
                largest = Math.max(largest, Math.abs(step[j]));
            }
            if (largest < 1e-9) {
                break;
            }
        }
        int failures = (int) examples.stream().filter(Example::failed).count();
        return new RiskModel(beta[0], Arrays.copyOfRange(beta, 1, d), examples.size(), failures);
    }

    public double logOdds(double[] x) {
        double z = intercept;
        for (int j = 0; j < coefficients.length; j++) {
            z += coefficients[j] * x[j];
        }
        return z;
    }

    public double probability(double[] x) {
        return sigmoid(logOdds(x));
    }

    public double coefficient(Factor f) {
        return coefficients[f.ordinal()];
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Solves {@code a x = b} for a symmetric positive definite {@code a} (Cholesky). */
    static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (s <= 0) {
                        throw new ArithmeticException("the fit's Hessian is not positive definite");
                    }
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * y[k];
            }
            y[i] = s / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) {
                s -= l[k][i] * x[k];
            }
            x[i] = s / l[i][i];
        }
        return x;
    }

    @Override
    public double[] coefficients() {
        return coefficients.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RiskModel m && m.intercept == intercept && Arrays.equals(m.coefficients, coefficients) && m.releases == releases
                && m.failures == failures;
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(intercept) + Arrays.hashCode(coefficients);
    }

    @Override
    public String toString() {
        return "RiskModel[intercept=" + intercept + ", coefficients=" + Arrays.toString(coefficients) + ", releases=" + releases + "]";
    }
}
