package io.glidepath.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.spec.Analysis;
import io.glidepath.spec.Durations;
import io.glidepath.spec.Percentages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fixed-threshold judge: each window on its own, every rule checked against its threshold and
 * each broken one named with its numbers. Too few requests is inconclusive (no verdict either way).
 * It keeps no state between windows.
 */
public final class ThresholdJudge implements Judge {
    private final Analysis analysis;

    public ThresholdJudge(Analysis analysis) {
        this.analysis = analysis;
    }

    @Override
    public int failAfter() {
        return analysis.failAfter();
    }

    /** Each window was judged on its own: nothing is left to conclude. */
    @Override
    public Verdict conclude() {
        return new Verdict(Verdict.Outcome.PASS, "pass: every window was judged on its own", List.of(),
                TrafficWindow.none());
    }

    @Override
    public Optional<JsonNode> state() {
        return Optional.empty();
    }

    @Override
    public MetricQuery query(Duration interval) {
        Set<String> metrics = new TreeSet<>();
        for (Analysis.Rule r : analysis.rules()) {
            if (r instanceof Analysis.Rule.Metric m) {
                metrics.add(m.name());
            }
        }
        return new MetricQuery(interval, percentiles(), Set.of(), metrics);
    }

    /** The percentiles the rules ask about (p99 when none does, for the figures people read). */
    Set<Double> percentiles() {
        Set<Double> p = new TreeSet<>();
        for (Analysis.Rule r : analysis.rules()) {
            if (r instanceof Analysis.Rule.Latency l) {
                p.add(l.percentile());
            }
        }
        return p.isEmpty() ? Set.of(99.0) : p;
    }

    @Override
    public Verdict canary(TrafficWindow w) {
        return judge(w, w.canary(), w.stable(), analysis, "canary");
    }

    /** Stable is the new version; there is no baseline, so {@code maxIncrease} does not apply. */
    @Override
    public Verdict promoted(TrafficWindow w) {
        return judge(w, w.stable(), null, analysis, "new version");
    }

    private static Verdict judge(TrafficWindow w, TrackFigures subject, TrackFigures baseline, Analysis analysis, String who) {
        String over = " over the last " + Durations.format(w.window());
        if (subject.requests() < analysis.minRequests()) {
            return new Verdict(Verdict.Outcome.INCONCLUSIVE, "inconclusive: " + who + " had " + subject.requests() + " requests" + over
                    + ", fewer than the " + analysis.minRequests() + " needed for a verdict", List.of(), w);
        }
        List<String> failures = new ArrayList<>();
        List<String> held = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Analysis.Rule r : analysis.rules()) {
            switch (r) {
                case Analysis.Rule.ErrorRate e -> {
                    double rate = subject.errorRate();
                    e.max().ifPresent(max -> {
                        String s = who + " error rate " + pct(rate) + " (" + subject.errors() + " of " + subject.requests() + ")";
                        if (rate > max) {
                            failures.add(s + " is above the " + pct(max) + " allowed");
                        } else {
                            held.add(s + " within " + pct(max));
                        }
                    });
                    if (baseline != null) {
                        e.maxIncrease().ifPresent(inc -> {
                            double diff = rate - baseline.errorRate();
                            String s = who + " error rate " + pct(rate) + " vs stable " + pct(baseline.errorRate());
                            if (diff > inc) {
                                failures.add(s + ": " + pct(diff) + " higher, more than the " + pct(inc) + " allowed");
                            } else {
                                held.add(s + " within +" + pct(inc));
                            }
                        });
                    }
                }
                case Analysis.Rule.Latency l -> {
                    Double value = subject.latencyMillis().get(l.percentile());
                    if (value == null) {
                        continue;
                    }
                    String p = "p" + trim(l.percentile());
                    String s = who + " " + p + " latency " + ms(value);
                    if (value > l.max().toNanos() / 1e6) {
                        failures.add(s + " is above the " + Durations.format(l.max()) + " allowed");
                    } else {
                        held.add(s + " within " + Durations.format(l.max()));
                    }
                }
                case Analysis.Rule.Metric m -> {
                    Double value = subject.metrics().get(m.name());
                    if (value == null) {
                        missing.add(m.name()); // a rule nobody could check is no pass: the window is inconclusive
                        continue;
                    }
                    String s = who + " " + m.name() + " " + number(value);
                    m.min().ifPresent(min -> (value < min ? failures : held).add(s + (value < min ? " is below the " + number(min) + " required"
                            : " at or above " + number(min))));
                    m.max().ifPresent(max -> (value > max ? failures : held).add(s + (value > max ? " is above the " + number(max) + " allowed"
                            : " at or under " + number(max))));
                }
            }
        }
        if (!failures.isEmpty()) {
            return new Verdict(Verdict.Outcome.FAIL, "fail: " + String.join("; ", failures) + over, failures, w);
        }
        if (!missing.isEmpty()) {
            return new Verdict(Verdict.Outcome.INCONCLUSIVE, "inconclusive: no figure for " + who + " " + String.join(", ", missing) + over,
                    List.of(), w);
        }
        return new Verdict(Verdict.Outcome.PASS, "pass: " + String.join("; ", held) + over, List.of(), w);
    }

    static String pct(double fraction) {
        return Percentages.format(Math.round(fraction * 1_000_000) / 1_000_000.0);
    }

    static String ms(double millis) {
        return String.format(Locale.ROOT, millis < 10 ? "%.1fms" : "%.0fms", millis);
    }

    /** A metric's value with at most four significant digits: 0.0523, 12.5, 1234. */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros();
        return (d.scale() < 0 ? d.setScale(0) : d).toPlainString();
    }

    static String trim(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
