package io.glidepath.testkit.judge;

import java.util.random.RandomGenerator;

/**
 * The distribution of one track's request latencies (milliseconds) in one second, given by its
 * survival function and its inverse, so that a second's slowest requests and its counts above any
 * threshold can be drawn without drawing every request ({@link Latencies}), and by a direct sampler
 * for seconds simulated request by request.
 */
public sealed interface LatencyModel {

    /** P(latency > millis). */
    double survival(double millis);

    /** The latency whose survival is {@code s} (0 < s < 1): the inverse of {@link #survival}. */
    double atSurvival(double s);

    /** One request's latency. */
    double sample(RandomGenerator rng);

    /** The benchmark's healthy service: lognormal (median 40 ms, sigma 0.5) with a 1% Pareto tail (alpha 1.5). */
    static LatencyModel healthy() {
        return Mixture.HEALTHY;
    }

    /** The whole distribution times {@code factor} (p99 +50% is 1.5). */
    default LatencyModel scaled(double factor) {
        return factor == 1 ? this : new Scaled(this, factor);
    }

    /**
     * Only the tail slower: latencies above this distribution's p97 are stretched so that its p99
     * becomes {@code factor} times what it was; the median and p95 do not move.
     */
    default LatencyModel tailStretched(double factor) {
        double knee = atSurvival(0.03);
        double p99 = atSurvival(0.01);
        return new TailStretched(this, knee, (factor * p99 - knee) / (p99 - knee));
    }

    /**
     * A mixture: with probability {@code 1 - tail} lognormal with this median and sigma, otherwise
     * Pareto with index {@code alpha} from the lognormal part's own p99 up.
     */
    record Mixture(double median, double sigma, double tail, double alpha, double paretoFrom) implements LatencyModel {
        /** z of the standard normal's 99th percentile. */
        private static final double Z99 = 2.3263478740408408;
        static final Mixture HEALTHY = new Mixture(40, 0.5, 0.01, 1.5, 40 * Math.exp(0.5 * Z99));

        @Override
        public double survival(double millis) {
            if (millis <= 0) {
                return 1;
            }
            double z = (Math.log(millis / median)) / sigma;
            double pareto = millis <= paretoFrom ? 1 : Math.pow(paretoFrom / millis, alpha);
            return (1 - tail) * Draw.normalTail(z) + tail * pareto;
        }

        /** Safeguarded Newton on the log of the latency (the survival function is strictly decreasing). */
        @Override
        public double atSurvival(double s) {
            if (!(s > 0 && s < 1)) {
                throw new IllegalArgumentException("a survival probability is strictly between 0 and 1; got " + s);
            }
            double lo = Math.log(1e-6);
            double hi = Math.log(1e15);
            double y = Math.log(s < tail ? paretoFrom * 1.2 : median);
            for (int i = 0; i < 200; i++) {
                double x = Math.exp(y);
                double f = survival(x) - s;
                if (f > 0) {
                    lo = y;
                } else {
                    hi = y;
                }
                double z = Math.log(x / median) / sigma;
                double slope = (1 - tail) * Draw.normalDensity(z) / sigma + (x > paretoFrom ? tail * alpha * Math.pow(paretoFrom / x, alpha) : 0);
                double next = slope > 0 ? y + f / slope : Double.NaN;
                if (!(next > lo && next < hi)) {
                    next = (lo + hi) / 2;
                }
                if (Math.abs(next - y) < 1e-11) {
                    return Math.exp(next);
                }
                y = next;
            }
            return Math.exp(y);
        }

        @Override
        public double sample(RandomGenerator rng) {
            if (rng.nextDouble() < tail) {
                return paretoFrom * Math.pow(1 - rng.nextDouble(), -1 / alpha);
            }
            return median * Math.exp(sigma * rng.nextGaussian());
        }
    }

    /** Every latency times {@code factor}. */
    record Scaled(LatencyModel of, double factor) implements LatencyModel {
        @Override
        public double survival(double millis) {
            return of.survival(millis / factor);
        }

        @Override
        public double atSurvival(double s) {
            return factor * of.atSurvival(s);
        }

        @Override
        public double sample(RandomGenerator rng) {
            return factor * of.sample(rng);
        }
    }

    /** Latencies above {@code knee} stretched by {@code stretch} (a monotone map, so survivals carry over). */
    record TailStretched(LatencyModel of, double knee, double stretch) implements LatencyModel {
        @Override
        public double survival(double millis) {
            return of.survival(millis <= knee ? millis : knee + (millis - knee) / stretch);
        }

        @Override
        public double atSurvival(double s) {
            return map(of.atSurvival(s));
        }

        @Override
        public double sample(RandomGenerator rng) {
            return map(of.sample(rng));
        }

        private double map(double x) {
            return x <= knee ? x : knee + (x - knee) * stretch;
        }
    }
}
