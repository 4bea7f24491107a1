package io.glidepath.testkit.judge;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.TrackFigures;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.analysis.Verdict;
import io.glidepath.spec.Analysis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The naive sequential judge the benchmark warns against: every second, a one-sided two-proportion
 * z-test of the canary's share of errors, and of requests slower than each latency rule's max,
 * against stable's, at alpha 0.01 per look; the first rejection rolls back. Each look alone is a
 * valid test; looking every second without correcting for it is not.
 */
public final class PeekingZJudge implements AgainstStableOnly {
    /** z of a one-sided 1% test. */
    static final double Z = MannWhitney.upperNormalQuantile(0.01);

    private final Set<Duration> slow = new LinkedHashSet<>();
    private boolean looked;

    public PeekingZJudge(Analysis analysis) {
        for (Analysis.Rule r : analysis.rules()) {
            if (r instanceof Analysis.Rule.Latency l) {
                slow.add(l.max());
            }
        }
    }

    @Override
    public MetricQuery query(Duration interval) {
        return new MetricQuery(interval, Set.of(), slow);
    }

    @Override
    public Verdict canary(TrafficWindow w) {
        TrackFigures c = w.canary();
        TrackFigures s = w.stable();
        List<String> failures = new ArrayList<>();
        boolean any = look("errors", c.errors(), c.requests(), s.errors(), s.requests(), failures);
        for (Duration d : slow) {
            any |= look("slower than " + d.toMillis() + "ms", c.slowerThan().getOrDefault(d, 0L), c.requests(),
                    s.slowerThan().getOrDefault(d, 0L), s.requests(), failures);
        }
        looked |= any;
        if (!failures.isEmpty()) {
            return new Verdict(Verdict.Outcome.FAIL, "fail: " + String.join("; ", failures), failures, w);
        }
        return new Verdict(any ? Verdict.Outcome.PASS : Verdict.Outcome.INCONCLUSIVE, any ? "pass" : "inconclusive: nothing to test this second", List.of(), w);
    }

    /** One z-test; false when this second cannot be tested (a track without requests, or no event at all). */
    private static boolean look(String what, long ec, long nc, long es, long ns, List<String> failures) {
        if (nc == 0 || ns == 0 || ec + es == 0 || ec + es == nc + ns) {
            return false;
        }
        double pooled = (double) (ec + es) / (nc + ns);
        double z = ((double) ec / nc - (double) es / ns) / Math.sqrt(pooled * (1 - pooled) * (1.0 / nc + 1.0 / ns));
        if (z > Z) {
            failures.add(String.format(Locale.ROOT, "%s: canary %d of %d against stable %d of %d, z %.2f", what, ec, nc, es, ns, z));
        }
        return true;
    }

    @Override
    public Verdict conclude() {
        TrafficWindow none = TrafficWindow.none();
        return looked ? new Verdict(Verdict.Outcome.PASS, "pass: no second rejected", List.of(), none)
                : new Verdict(Verdict.Outcome.INCONCLUSIVE, "inconclusive: no second could be tested", List.of(), none);
    }

    @Override
    public Optional<JsonNode> state() {
        return Optional.empty();
    }
}
