package io.glidepath.testkit.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.glidepath.analysis.MetricQuery;
import io.glidepath.analysis.TrafficWindow;
import io.glidepath.testkit.judge.Scenario.Effect;
import io.glidepath.testkit.judge.Scenario.Split;
import io.glidepath.testkit.judge.Scenario.Variant;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The benchmark's synthetic traffic is what it says: the latency model, lazy draws, pairing, error rates and splits. */
class TrafficStreamTest {
    static final MetricQuery P99_AND_SLOW = new MetricQuery(Duration.ofSeconds(1), Set.of(50.0, 99.0), Set.of(Duration.ofMillis(160), Duration.ofMillis(300)));

    @Test
    void healthyLatencyIsLognormalAroundFortyMillisecondsWithAOnePercentParetoTail() {
        LatencyModel m = LatencyModel.healthy();
        assertThat(m.atSurvival(0.5)).isCloseTo(40, within(0.5));
        assertThat(m.atSurvival(0.01)).isCloseTo(159.5, within(1.0));
        for (double s : new double[] {0.9, 0.5, 0.05, 0.01, 1e-3, 1e-6}) {
            assertThat(m.survival(m.atSurvival(s))).isCloseTo(s, within(s * 1e-6));
        }
        SplittableRandom rng = new SplittableRandom(1);
        int slow = 0;
        for (int i = 0; i < 200_000; i++) {
            slow += m.sample(rng) > 300 ? 1 : 0;
        }
        assertThat(slow / 200_000.0).isCloseTo(m.survival(300), within(0.0005));
    }

    @Test
    void regressionsMoveTheP99AsNamedAndTheTailOnlyOneLeavesTheMedian() {
        LatencyModel m = LatencyModel.healthy();
        double p99 = m.atSurvival(0.01);
        assertThat(m.scaled(1.5).atSurvival(0.01)).isCloseTo(1.5 * p99, within(1e-6));
        LatencyModel tail = m.tailStretched(1.5);
        assertThat(tail.atSurvival(0.01)).isCloseTo(1.5 * p99, within(1e-6));
        assertThat(tail.atSurvival(0.5)).isEqualTo(m.atSurvival(0.5));
        assertThat(tail.atSurvival(0.05)).isEqualTo(m.atSurvival(0.05));
    }

    @Test
    void lazyDrawsAgreeWithDrawingEveryRequest() {
        LatencyModel m = LatencyModel.healthy();
        int n = 4000;
        double[] lazyP99 = new double[n];
        double[] fullP99 = new double[n];
        double lazySlow = 0;
        double fullSlow = 0;
        SplittableRandom seeds = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            Latencies lazy = Latencies.lazy(250, m, new SplittableRandom(seeds.nextLong()));
            lazy.prepare(List.of(160.0, 300.0), List.of(50.0, 99.0));
            lazyP99[i] = lazy.percentile(99);
            lazySlow += lazy.slowerThan(160);
            SplittableRandom r = new SplittableRandom(seeds.nextLong());
            double[] every = new double[250];
            for (int j = 0; j < every.length; j++) {
                every[j] = m.sample(r);
            }
            Latencies full = Latencies.of(every);
            fullP99[i] = full.percentile(99);
            fullSlow += full.slowerThan(160);
        }
        Arrays.sort(lazyP99);
        Arrays.sort(fullP99);
        double expected = 250 * m.survival(160);
        assertThat(lazySlow / n).isCloseTo(expected, within(0.1));
        assertThat(fullSlow / n).isCloseTo(expected, within(0.1));
        assertThat(lazyP99[n / 2]).isCloseTo(fullP99[n / 2], within(fullP99[n / 2] * 0.02));
        assertThat(lazyP99[n / 10]).isCloseTo(fullP99[n / 10], within(fullP99[n / 10] * 0.02));
    }

    @Test
    void aSecondAnswersEveryJudgeFromTheSameRequests() {
        Latencies l = Latencies.lazy(500, LatencyModel.healthy(), new SplittableRandom(3));
        l.prepare(List.of(160.0, 300.0), List.of(50.0, 99.0));
        long slow = l.slowerThan(160);
        double p99 = l.percentile(99);
        // the p99 is the 495th fastest (HdrHistogram's rank), so at most 5 requests are slower than it
        assertThat(l.slowerThan(p99)).isLessThanOrEqualTo(5);
        assertThat(l.slowerThan(300)).isLessThanOrEqualTo(slow);
        assertThat(l.percentile(50)).isLessThan(p99);
        assertThat(l.slowerThan(160)).isEqualTo(slow);
    }

    @Test
    void theSameSeedGivesTheSameStreamAndAnotherSeedAnother() {
        Scenario s = new Scenario(50, new Split.Constant(0.5), 0.01, Variant.GC, new Effect.None(), 0, List.of(60));
        TrafficStream a = new TrafficStream(s, 5);
        TrafficStream b = new TrafficStream(s, 5);
        TrafficStream c = new TrafficStream(s, 6);
        boolean differs = false;
        for (int t = 0; t < 60; t++) {
            TrafficStream.Second x = a.next();
            TrafficStream.Second y = b.next();
            TrafficStream.Second z = c.next();
            List.of(x, y, z).forEach(sec -> sec.prepare(List.of(P99_AND_SLOW)));
            TrafficWindow wx = x.window(P99_AND_SLOW);
            assertThat(y.window(P99_AND_SLOW)).isEqualTo(wx);
            differs |= !z.window(P99_AND_SLOW).equals(wx);
        }
        assertThat(differs).isTrue();
    }

    @Test
    void onAStickySplitEachClientsFirstErrorIsCountedOnceOnItsTrack() {
        Scenario s = new Scenario(500, new Split.Step(0.1, 0.5, 300), 0.01, Variant.STICKY, new Effect.None(), 0, List.of(600));
        TrafficStream stream = new TrafficStream(s, 5);
        long first = 0;
        long errors = 0;
        for (int t = 1; t <= 600; t++) {
            TrafficStream.Second sec = stream.next();
            sec.prepare(List.of(P99_AND_SLOW));
            assertThat(sec.clientShare()).hasValue(t <= 300 ? 0.1 : 0.5);
            for (TrackSecond track : List.of(sec.stable(), sec.canary())) {
                long f = track.firstClientErrors().orElseThrow();
                assertThat(f).isBetween(0L, track.errors());
                first += f;
                errors += track.errors();
            }
            assertThat(sec.window(P99_AND_SLOW).countsClients()).isTrue();
        }
        // 3,000 errors in ten minutes, from at most the 1,000 clients, each counted once
        assertThat(errors).isGreaterThan(2_000);
        assertThat(first).isBetween(100L, (long) StickyClients.CLIENTS);

        TrafficStream independent = new TrafficStream(new Scenario(500, new Split.Constant(0.1), 0.01, Variant.IID, new Effect.None(), 0, List.of(10)), 5);
        TrafficStream.Second sec = independent.next();
        assertThat(sec.clientShare()).isEmpty();
        assertThat(sec.stable().firstClientErrors()).isEmpty();
    }

    @Test
    void requestsFollowTheSplitAndErrorsTheBaselineTimesTheRegression() {
        for (Variant v : Variant.values()) {
            Scenario s = new Scenario(500, new Split.Constant(0.1), 0.01, v, new Effect.Errors(2), 100, List.of(600));
            TrafficStream stream = new TrafficStream(s, 11);
            long[] before = new long[4];
            long[] after = new long[4];
            for (int t = 1; t <= 600; t++) {
                TrafficStream.Second sec = stream.next();
                long[] into = t <= 100 ? before : after;
                into[0] += sec.stable().requests();
                into[1] += sec.stable().errors();
                into[2] += sec.canary().requests();
                into[3] += sec.canary().errors();
            }
            double share = (double) (before[2] + after[2]) / (before[0] + before[2] + after[0] + after[2]);
            if (v == Variant.STICKY) {
                assertThat(share).as("sticky clients' canary share").isBetween(0.02, 0.3); // heavy clients move it
            } else {
                assertThat(share).as("%s canary share", v.label).isCloseTo(0.1, within(0.005));
                double stableRate = (double) (before[1] + after[1]) / (before[0] + after[0]);
                double canaryRate = (double) after[3] / after[2];
                double extra = v == Variant.GC ? TrafficStream.PAUSE_CHANCE * 0.25 * TrafficStream.PAUSE_FAILURES : 0;
                assertThat(stableRate).as("%s stable error rate", v.label).isCloseTo(0.01 + extra, within(0.001));
                assertThat(canaryRate).as("%s canary error rate after the onset", v.label).isCloseTo(0.02 + extra, within(0.003));
            }
        }
    }
}
