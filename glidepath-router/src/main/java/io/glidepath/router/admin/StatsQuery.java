package io.glidepath.router.admin;

import java.util.OptionalLong;

/** The stats call's query parameters that are not durations: each refused with what to write instead. */
final class StatsQuery {
    private StatsQuery() {
    }

    /**
     * {@code from=1764450000}: an epoch second, at most the one after the one running (where a trailing
     * window that held the running second ends).
     */
    static OptionalLong fromSecond(String param, long current) {
        if (param == null || param.isBlank()) {
            return OptionalLong.empty();
        }
        long from;
        try {
            from = Long.parseLong(param.trim());
        } catch (NumberFormatException e) {
            from = -1;
        }
        if (from < 0 || from > current + 1) {
            throw new IllegalArgumentException("query parameter from=" + param + " must be an epoch second no later than the router's current "
                    + "one (" + current + ") and the next, such as the toSecond of the last answer");
        }
        return OptionalLong.of(from);
    }

    /** {@code percentiles=99,99.9}: each above 0 and below 100. */
    static double[] percentiles(String param) {
        if (param == null || param.isBlank()) {
            return new double[0];
        }
        String[] parts = param.split(",");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                out[i] = -1;
            }
            if (!(out[i] > 0 && out[i] < 100)) {
                throw new IllegalArgumentException("query parameter percentiles=" + param + " must list numbers between 0 and 100, such as 99,99.9");
            }
        }
        return out;
    }
}
