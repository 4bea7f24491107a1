package io.glidepath.testkit.judge;

import io.glidepath.analysis.Judge;
import io.glidepath.analysis.SequentialJudge;
import io.glidepath.analysis.ThresholdJudge;
import io.glidepath.spec.Analysis;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** A judge under benchmark: its name and how to make a fresh one for each run. */
public record Contender(String name, Supplier<Judge> judge) {

    /** The analysis of docs/spec.md's example, read as a release file would be, with or without {@code judge: sequential}. */
    public static Analysis specExample(boolean sequential) {
        return read("""
                      interval: 1s
                      minRequests: 50
                      failAfter: 2
                      rules:
                        - errorRate: { max: 1%, maxIncrease: 0.5% }
                        - latency: { percentile: 99, max: 300ms }
                """ + (sequential ? "      judge: sequential\n" : ""));
    }

    /**
     * The analysis of docs/analysis.md's example, the sequential judge as its docs configure it: the
     * comparison with stable decides small differences, and the absolute guards sit above the
     * service's normal rates (an error guard at the population's own rate rolls back a healthy
     * canary on a sticky split whenever its clients happen to be flakier than average; docs/analysis.md).
     */
    public static Analysis sequentialExample() {
        return sequentialExample(1.0);
    }

    /** docs/analysis.md's example with another tolerance. */
    public static Analysis sequentialExample(double tolerance) {
        return read("""
                      judge: sequential
                      interval: 1s
                      alpha: 1%%
                      tolerance: %s
                      minRequests: 50
                      rules:
                        - errorRate: { max: 5%% }
                        - latency: { percentile: 99, max: 300ms }
                """.formatted(tolerance));
    }

    private static Analysis read(String analysis) {
        String yaml = """
                services:
                  - name: catalog
                    version: 2.4.0
                    run: {command: [java, -jar, app.jar]}
                    route: {pathPrefix: /catalog}
                    strategy: canary
                    steps: [ {weight: 10}, {bake: 30s} ]
                    analysis:
                """ + analysis;
        try {
            return ReleaseReader.read("bench.yaml", yaml).services().getFirst().analysis();
        } catch (InvalidSpecException e) {
            throw new IllegalStateException("the benchmark's release file is invalid: " + e.getMessage(), e);
        }
    }

    /** Today's judge: fixed thresholds, each second alone, two failing in a row roll back. */
    public static Contender thresholds() {
        Analysis a = specExample(false);
        return new Contender("thresholds", () -> new ThresholdJudge(a));
    }

    /** The sequential judge as docs/analysis.md configures it (alpha 1%, tolerance 1.0, guards at 5% errors and p99 300 ms). */
    public static Contender sequential() {
        Analysis a = sequentialExample();
        return new Contender("sequential", () -> new SequentialJudge(a));
    }

    /**
     * The same judge with a tolerance of 1.1: a canary up to 10% worse than stable counts as healthy
     * (what that gives up against small regressions, beside the default that tests for any).
     */
    public static Contender sequentialWithTolerance() {
        Analysis a = sequentialExample(1.1);
        return new Contender("sequential-tolerance-1.1", () -> new SequentialJudge(a));
    }

    /** Kayenta's judgement over windows of this length. */
    public static Contender kayenta(Duration window) {
        return new Contender("kayenta-" + window.toMinutes() + "m", () -> new KayentaLikeJudge(window));
    }

    /** The per-second z-test with peeking. */
    public static Contender peekingZ() {
        Analysis a = specExample(false);
        return new Contender("z-peeking", () -> new PeekingZJudge(a));
    }

    /** Every judge the benchmark compares, in its table's order. */
    public static List<Contender> all() {
        return List.of(thresholds(), kayenta(Duration.ofMinutes(5)), kayenta(Duration.ofMinutes(10)), kayenta(Duration.ofMinutes(30)),
                sequential(), sequentialWithTolerance(), peekingZ());
    }
}
