package io.glidepath.testkit.judge;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Many runs of one scenario, spread over an executor. Run i's stream is seeded with
 * {@code mix(seed, i)}, so the figures are the same however the runs are scheduled.
 */
public final class Trials {
    private Trials() {
    }

    /** Tallies indexed by contender, then horizon. */
    public static Tally[][] run(Scenario scenario, int runs, long seed, List<Contender> contenders, ExecutorService executor)
            throws InterruptedException {
        Tally[][] tallies = new Tally[contenders.size()][scenario.horizons().size()];
        for (Tally[] row : tallies) {
            for (int h = 0; h < row.length; h++) {
                row[h] = new Tally(scenario.onsetSeconds());
            }
        }
        int chunk = Math.max(1, runs / 64);
        List<Future<?>> futures = new ArrayList<>();
        for (int from = 0; from < runs; from += chunk) {
            int start = from;
            int end = Math.min(runs, from + chunk);
            futures.add(executor.submit(() -> {
                for (int i = start; i < end; i++) {
                    JudgeRun.Outcome[][] o = JudgeRun.run(scenario, TrafficStream.mix(seed, i), contenders);
                    for (int c = 0; c < o.length; c++) {
                        for (int h = 0; h < o[c].length; h++) {
                            tallies[c][h].add(o[c][h]);
                        }
                    }
                }
            }));
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a run of " + scenario.label() + " failed: " + e.getCause(), e.getCause());
            }
        }
        return tallies;
    }
}
