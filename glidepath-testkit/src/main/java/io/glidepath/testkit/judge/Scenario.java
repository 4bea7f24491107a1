package io.glidepath.testkit.judge;

import java.util.List;
import java.util.Locale;

/**
 * One benchmark scenario: total traffic (Poisson, requests per second), the canary's share over time,
 * the baseline error rate, the healthy kind of traffic ({@link Variant}) and the canary's regression
 * ({@link Effect}, none for an A/A scenario) from {@code onsetSeconds} on. A run lasts the longest of
 * {@code horizons} (seconds); each horizon is also a shorter analysis cut from the same run, so each
 * horizon is reported as its own cell.
 */
public record Scenario(double rps, Split split, double baselineErrors, Variant variant, Effect effect, int onsetSeconds, List<Integer> horizons) {

    public Scenario {
        horizons = List.copyOf(horizons);
        if (horizons.isEmpty() || horizons.stream().anyMatch(h -> h <= 0)) {
            throw new IllegalArgumentException("a scenario needs positive horizons; got " + horizons);
        }
        if (!(rps > 0) || !(baselineErrors >= 0 && baselineErrors < 1) || onsetSeconds < 0) {
            throw new IllegalArgumentException("bad scenario: rps " + rps + ", errors " + baselineErrors + ", onset " + onsetSeconds);
        }
    }

    /** The longest horizon: how long a run lasts. */
    public int seconds() {
        return horizons.getLast();
    }

    public boolean healthy() {
        return effect instanceof Effect.None;
    }

    public String label() {
        String s = String.format(Locale.ROOT, "%s rps %s err %s %s", trim(rps), split.label(), percent(baselineErrors), variant.label);
        if (!healthy()) {
            s += " | " + effect.label() + (onsetSeconds > 0 ? " from " + onsetSeconds / 60 + "m" : "");
        }
        return s;
    }

    /** The canary's share of traffic over the run. */
    public sealed interface Split {
        /** The canary's share (weight) in second {@code second} (1-based). */
        double share(int second);

        String label();

        record Constant(double share) implements Split {
            @Override
            public double share(int second) {
                return share;
            }

            @Override
            public String label() {
                return percent(share);
            }
        }

        /** {@code from} until {@code atSecond}, then {@code to} (a canary's weight step; sticky clients keep their track). */
        record Step(double from, double to, int atSecond) implements Split {
            @Override
            public double share(int second) {
                return second <= atSecond ? from : to;
            }

            @Override
            public String label() {
                return percent(from) + "->" + percent(to);
            }
        }
    }

    /** The healthy traffic's kind: what a judge must not mistake for a regression. */
    public enum Variant {
        /** Independent requests, errors and latencies. */
        IID("iid"),
        /** Both tracks' load rises and falls together (period 5 min, +-50%), and latency with it (x sqrt(load)). */
        WAVES("waves"),
        /**
         * Requests come from 1,000 clients with Zipf weights (exponent 1; the heaviest sends 13%) and an
         * error propensity each (lognormal, sigma 0.5, traffic-weighted mean 1); each client keeps its
         * track; the 50 heaviest come in sessions (on a third of the time at three times their rate).
         */
        STICKY("sticky"),
        /**
         * Each track pauses (stop-the-world) in about one second of 120, for 100-400 ms: the requests
         * arriving during the pause are delayed by what is left of it, and 5% of them fail.
         */
        GC("gc");

        public final String label;

        Variant(String label) {
            this.label = label;
        }
    }

    /** The canary's regression. */
    public sealed interface Effect {
        String label();

        record None() implements Effect {
            @Override
            public String label() {
                return "A/A";
            }
        }

        /** The canary's error rate times {@code multiplier}. */
        record Errors(double multiplier) implements Effect {
            @Override
            public String label() {
                return "errors x" + trim(multiplier);
            }
        }

        /** The canary's p99 times {@code factor}: every latency scaled, or only the tail above p97 stretched. */
        record Latency(double factor, boolean tailOnly) implements Effect {
            @Override
            public String label() {
                return "p99 +" + Math.round((factor - 1) * 100) + "%" + (tailOnly ? " tail" : "");
            }
        }
    }

    static String percent(double fraction) {
        return trim(Math.round(fraction * 1e6) / 1e4) + "%";
    }

    static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
