package io.glidepath.router.metrics;

import io.glidepath.spec.Durations;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The latency limits of the stats call's {@code slowerThan=250ms,1s} parameter, and the one way they
 * are written as keys of its answer (so a client finds each limit it asked for). Limits are whole
 * microseconds, the histogram's unit, above 0 and below {@link #LIMIT}, where latencies are clamped.
 */
public final class SlowerThan {
    /** At most this many limits in one call: each is a pass over a histogram per track and endpoint. */
    public static final int MAX = 8;
    /** Latencies are recorded up to this value (a longer request counts as this long), so limits stay below it. */
    public static final Duration LIMIT = Duration.ofNanos(MetricSeries.MAX_LATENCY_MICROS * 1_000);

    private SlowerThan() {
    }

    /** The limits of a {@code slowerThan} parameter, distinct, in their order; none when absent or blank. */
    public static List<Duration> parse(String param) {
        if (param == null || param.isBlank()) {
            return List.of();
        }
        String[] parts = param.split(",", -1);
        if (parts.length > MAX) {
            throw new IllegalArgumentException(problem(param, "lists " + parts.length + " durations; ask for at most " + MAX));
        }
        Set<Duration> out = new LinkedHashSet<>();
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            String where = "item " + (i + 1) + " '" + part + "'";
            Optional<Duration> d = Durations.parse(part);
            if (d.isEmpty()) {
                throw new IllegalArgumentException(problem(param, where + " is not a duration"));
            }
            Duration limit = d.get();
            if (limit.isZero() || limit.compareTo(LIMIT) >= 0) {
                throw new IllegalArgumentException(problem(param, where + " is not above 0 and below " + Durations.format(LIMIT)));
            }
            if (limit.toNanos() % 1_000 != 0) {
                throw new IllegalArgumentException(problem(param, where + " is finer than a microsecond (0.001ms), the unit latencies are recorded in"));
            }
            out.add(limit);
        }
        return List.copyOf(out);
    }

    private static String problem(String param, String what) {
        return "query parameter slowerThan=" + param + ": " + what + "; list up to " + MAX + " durations above 0 and below "
                + Durations.format(LIMIT) + ", such as slowerThan=250ms,1s";
    }

    /**
     * The key of a limit in the answer, and its text in the query: {@code 250ms}, {@code 1s}, {@code 1500ms}
     * for whole milliseconds ({@link Durations#format}), {@code 12.345ms} otherwise; rounded to the microsecond.
     */
    public static String key(Duration limit) {
        long micros = Math.round(limit.toNanos() / 1_000.0);
        if (micros % 1_000 == 0) {
            return Durations.format(Duration.ofMillis(micros / 1_000));
        }
        return BigDecimal.valueOf(micros, 3).stripTrailingZeros().toPlainString() + "ms";
    }
}
