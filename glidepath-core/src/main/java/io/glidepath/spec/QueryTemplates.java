package io.glidepath.spec;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;

/**
 * Placeholders in the PromQL queries of {@code analysis.metrics.prometheus} and of {@code metric}
 * rules: {@code {{service}}}, {@code {{version}}} (the version on the track being read),
 * {@code {{track}}} ({@code stable} or {@code canary}, as the router labels its figures) and
 * {@code {{window}}} (the window as a PromQL duration, such as {@code 5s}); the latency query also
 * takes {@code {{quantile}}} (such as {@code 0.99}) and the slow-request query {@code {{seconds}}}
 * (such as {@code 0.25}).
 */
public final class QueryTemplates {
    /** What every query may name. */
    public static final Set<String> COMMON = Set.of("service", "version", "track", "window");
    public static final String QUANTILE = "quantile";
    public static final String SECONDS = "seconds";
    private static final Set<String> ALL = Set.of("service", "version", "track", "window", QUANTILE, SECONDS);

    private QueryTemplates() {
    }

    /**
     * What is wrong with a query's placeholders, one message each (empty when fine): unknown ones (with
     * "did you mean"), {@code extra} is the one placeholder this query takes besides the common ones (or
     * null) and it must then appear; every query must tell the tracks apart by {{track}} or {{version}}.
     */
    public static List<String> problems(String query, String extra) {
        List<String> problems = new ArrayList<>();
        Set<String> allowed = new TreeSet<>(COMMON);
        if (extra != null) {
            allowed.add(extra);
        }
        Set<String> seen = new TreeSet<>();
        Matcher m = Templates.PLACEHOLDER.matcher(query);
        int end = 0;
        while (m.find()) {
            String name = m.group(1);
            seen.add(name);
            if (ALL.contains(name) && !allowed.contains(name)) {
                problems.add("{{" + name + "}} belongs in the " + (name.equals(QUANTILE) ? "latency" : "slowerThan") + " query only");
            } else if (!allowed.contains(name)) {
                String hint = Suggestions.closest(name, allowed).map(s -> "did you mean {{" + s + "}}?")
                        .orElse("known ones here are " + String.join(", ", allowed.stream().map(s -> "{{" + s + "}}").toList()));
                problems.add("unknown placeholder {{" + name + "}}: " + hint);
            }
            end = m.end();
        }
        String rest = query.substring(end);
        if (rest.contains("{{") || rest.contains("}}")) {
            problems.add("a placeholder is not closed: write it as {{track}}");
        }
        if (extra != null && !seen.contains(extra)) {
            problems.add(extra.equals(QUANTILE)
                    ? "needs {{quantile}} where the percentile goes, such as histogram_quantile({{quantile}}, sum by (le) (rate(..._bucket{...}[{{window}}])))"
                    : "needs {{seconds}} where the duration goes, such as a bucket's le=\"{{seconds}}\"");
        }
        if (!seen.contains("track") && !seen.contains("version")) {
            problems.add("names neither {{track}} nor {{version}}, so stable and canary would read the same figures; add a matcher such as "
                    + "track=\"{{track}}\" or version=\"{{version}}\"");
        }
        return problems;
    }

    /** Replaces every placeholder with its value from {@code values}; one without a value is an error of the caller. */
    public static String expand(String query, Map<String, String> values) {
        Matcher m = Templates.PLACEHOLDER.matcher(query);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException("no value for {{" + m.group(1) + "}}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A window as a PromQL duration: {@code 5s}, {@code 1m}, {@code 1500ms}. */
    public static String window(Duration window) {
        return Durations.format(window);
    }

    /** A percentile as a quantile: 99 -> {@code 0.99}, 99.9 -> {@code 0.999}, 50 -> {@code 0.5}. */
    public static String quantile(double percentile) {
        return plain(BigDecimal.valueOf(percentile).movePointLeft(2));
    }

    /** A duration in seconds, as few digits as it takes: 250ms -> {@code 0.25}, 1s -> {@code 1}. */
    public static String seconds(Duration d) {
        return plain(BigDecimal.valueOf(d.toNanos()).movePointLeft(9));
    }

    private static String plain(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
    }
}
