package io.glidepath.analysis;

import java.time.Duration;
import java.util.Arrays;

/**
 * The latencies a slow-request threshold may take: 1 ms to 10 s, ten steps a decade (1, 1.25, 1.5, 2,
 * 2.5, 3, 4, 5, 6, 8). The router's Prometheus latency histogram has exactly these bucket bounds, so
 * a threshold the sequential judge picks can be read from Prometheus ({@code le="{{seconds}}"}) as
 * well as from the router's own stats; a threshold snapped up to the next step is at most 25% above
 * the one asked.
 */
public final class LatencyLadder {
    private static final double[] STEPS = {1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8};
    /** The bounds in seconds, ascending. */
    public static final double[] BOUNDS_SECONDS = bounds();

    private LatencyLadder() {
    }

    private static double[] bounds() {
        double[] out = new double[STEPS.length * 4 + 1];
        int i = 0;
        for (double decade : new double[] {0.001, 0.01, 0.1, 1}) {
            for (double s : STEPS) {
                out[i++] = Math.round(decade * s * 1e6) / 1e6;
            }
        }
        out[i] = 10;
        return out;
    }

    /** The smallest step at or above {@code millis} (the top step, 10 s, for anything above it). */
    public static Duration atOrAbove(double millis) {
        double seconds = millis / 1000;
        int i = Arrays.binarySearch(BOUNDS_SECONDS, seconds);
        int at = i >= 0 ? i : Math.min(-i - 1, BOUNDS_SECONDS.length - 1);
        return Duration.ofNanos(Math.round(BOUNDS_SECONDS[at] * 1e9));
    }
}
