package io.glidepath.testkit.judge;

import java.util.random.RandomGenerator;

/**
 * Exact random draws the simulation needs beyond the JDK's: Poisson, binomial, gamma and beta, and
 * the normal tail. Written here rather than taken from a library so that the test kit, which the
 * shipped demo carries, brings in no dependency for them.
 */
final class Draw {
    private Draw() {
    }

    /** Poisson with this mean: by inversion for small means, PTRS (Hörmann 1993) from 10 up. */
    static long poisson(RandomGenerator rng, double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean < 10) {
            double p = Math.exp(-mean);
            double f = p;
            double u = rng.nextDouble();
            long k = 0;
            while (u > f && k < 1000) {
                k++;
                p *= mean / k;
                f += p;
            }
            return k;
        }
        double smu = Math.sqrt(mean);
        double b = 0.931 + 2.53 * smu;
        double a = -0.059 + 0.02483 * b;
        double invAlpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        double logMean = Math.log(mean);
        while (true) {
            double u = rng.nextDouble() - 0.5;
            double v = rng.nextDouble();
            double us = 0.5 - Math.abs(u);
            long k = (long) Math.floor((2 * a / us + b) * u + mean + 0.43);
            if (us >= 0.07 && v <= vr) {
                return k;
            }
            if (k < 0 || (us < 0.013 && v > us)) {
                continue;
            }
            if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - logFactorial(k)) {
                return k;
            }
        }
    }

    /** Binomial(n, p) by inversion (the simulation's n p is small), or a Bernoulli count when it is not. */
    static long binomial(RandomGenerator rng, long n, double p) {
        if (n <= 0 || p <= 0) {
            return 0;
        }
        if (p >= 1) {
            return n;
        }
        if (n * p > 40 || n * p * 20 > n) {
            long k = 0;
            for (long i = 0; i < n; i++) {
                if (rng.nextDouble() < p) {
                    k++;
                }
            }
            return k;
        }
        double q = 1 - p;
        double ratio = p / q;
        double f = Math.exp(n * Math.log1p(-p));
        double cdf = f;
        double u = rng.nextDouble();
        long k = 0;
        while (u > cdf && k < n) {
            f *= ratio * (n - k) / (k + 1);
            k++;
            cdf += f;
        }
        return k;
    }

    /** Gamma(shape, 1): Marsaglia and Tsang, boosted for shapes below 1. */
    static double gamma(RandomGenerator rng, double shape) {
        if (shape < 1) {
            return gamma(rng, shape + 1) * Math.pow(1 - rng.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = rng.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = 1 - rng.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    /** Beta(a, b) as a ratio of gammas. */
    static double beta(RandomGenerator rng, double a, double b) {
        double x = gamma(rng, a);
        double y = gamma(rng, b);
        return x / (x + y);
    }

    /** ln(k!): exact products below 20, Stirling's series above (error below 1e-12). */
    static double logFactorial(long k) {
        if (k < 20) {
            double f = 1;
            for (long i = 2; i <= k; i++) {
                f *= i;
            }
            return Math.log(f);
        }
        double n = k + 1.0;
        return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * n) - 1 / (360 * n * n * n);
    }

    /**
     * P(Z > z) for a standard normal Z, from the complementary error function's Chebyshev fit
     * (Numerical Recipes' erfcc, relative error below 1.2e-7 everywhere, tails included).
     */
    static double normalTail(double z) {
        double x = Math.abs(z) / Math.sqrt(2);
        double t = 1 / (1 + 0.5 * x);
        double erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return z >= 0 ? erfc / 2 : 1 - erfc / 2;
    }

    /** The standard normal density. */
    static double normalDensity(double z) {
        return Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    }
}
