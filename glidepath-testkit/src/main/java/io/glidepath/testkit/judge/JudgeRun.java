package io.glidepath.testkit.judge;

import io.glidepath.analysis.Judge;
import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One run: every contender judges the same stream, driven as the engine's analysis watch drives a
 * judge. Each second each judge is asked what it reads ({@code query}), is given that second's window
 * built to its question, and gives a verdict; {@code failAfter} failing verdicts in a row roll back (a
 * passing one resets the count, an inconclusive one does not). At each horizon a judge that has not
 * rolled back concludes, as at the end of a canary's steps.
 */
public final class JudgeRun {
    private static final Duration INTERVAL = Duration.ofSeconds(1);

    /**
     * One contender at one horizon: whether it rolled back, when (second, 0 if not), the canary's errors
     * served from the regression's onset until its decision or the horizon, and whether the run ended
     * without a judgement (the judge concluded inconclusive, or never gave a passing or failing verdict).
     */
    public record Outcome(boolean rolledBack, int decidedAt, long canaryErrorsServed, boolean inconclusive) {
    }

    private JudgeRun() {
    }

    /** Outcomes indexed by contender, then horizon (as the scenario lists them). */
    public static Outcome[][] run(Scenario scenario, long seed, List<Contender> contenders) {
        TrafficStream stream = new TrafficStream(scenario, seed);
        int k = contenders.size();
        Judge[] judges = new Judge[k];
        int[] failures = new int[k];
        int[] decidedAt = new int[k];
        long[] served = new long[k];
        boolean[] judged = new boolean[k];
        for (int i = 0; i < k; i++) {
            judges[i] = contenders.get(i).judge().get();
        }
        List<Integer> horizons = scenario.horizons();
        Outcome[][] out = new Outcome[k][horizons.size()];
        int next = 0;
        int undecided = k;
        MetricQuery[] queries = new MetricQuery[k];
        for (int t = 1; t <= scenario.seconds(); t++) {
            TrafficStream.Second second = stream.next();
            if (undecided > 0) {
                List<MetricQuery> asked = new ArrayList<>(k);
                for (int i = 0; i < k; i++) {
                    if (decidedAt[i] == 0) {
                        queries[i] = judges[i].query(INTERVAL);
                        asked.add(queries[i]);
                    }
                }
                second.prepare(asked);
                for (int i = 0; i < k; i++) {
                    if (decidedAt[i] != 0) {
                        continue;
                    }
                    if (t > scenario.onsetSeconds()) {
                        served[i] += second.canary().errors();
                    }
                    Verdict v = judges[i].canary(second.window(queries[i]));
                    if (v.failed()) {
                        judged[i] = true;
                        if (++failures[i] >= judges[i].failAfter()) {
                            decidedAt[i] = t;
                            undecided--;
                        }
                    } else if (v.outcome() == Verdict.Outcome.PASS) {
                        judged[i] = true;
                        failures[i] = 0;
                    }
                }
            }
            while (next < horizons.size() && horizons.get(next) == t) {
                for (int i = 0; i < k; i++) {
                    out[i][next] = at(t, judges[i], decidedAt[i], served[i], judged[i]);
                }
                next++;
            }
            if (undecided == 0) {
                while (next < horizons.size()) {
                    for (int i = 0; i < k; i++) {
                        out[i][next] = new Outcome(true, decidedAt[i], served[i], false);
                    }
                    next++;
                }
                break;
            }
        }
        return out;
    }

    private static Outcome at(int t, Judge judge, int decidedAt, long served, boolean judged) {
        if (decidedAt != 0) {
            return new Outcome(true, decidedAt, served, false);
        }
        Verdict end = judge.conclude();
        boolean failed = end.failed();
        return new Outcome(failed, failed ? t : 0, served, !failed && (end.outcome() == Verdict.Outcome.INCONCLUSIVE || !judged));
    }
}
