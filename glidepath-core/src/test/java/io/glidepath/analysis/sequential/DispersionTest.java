package io.glidepath.analysis.sequential;

import static io.glidepath.analysis.SequentialJudgeTest.poisson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DispersionTest {

    @Test
    void independentEventsScatterAsTheBinomialModelSaysSoTheFactorStaysNearOne() {
        SplittableRandom rnd = new SplittableRandom(7);
        Dispersion d = new Dispersion();
        for (int t = 0; t < 3_000; t++) {
            d.add(poisson(rnd, 1.0), poisson(rnd, 9.0), 0.1);
        }
        assertThat(d.factor()).isBetween(1.0, 1.08);
    }

    @Test
    void eventsThatComeInClustersOfKScatterKTimesAsMuch() {
        SplittableRandom rnd = new SplittableRandom(8);
        Dispersion d = new Dispersion();
        for (int t = 0; t < 3_000; t++) {
            d.add(4 * poisson(rnd, 1.0), 4 * poisson(rnd, 1.0), 0.5); // every event one of a cluster of 4 on one track
        }
        assertThat(d.factor()).isBetween(3.6, 4.4);
    }

    @Test
    void aRegressionThatMovesTheRatioIsNotTakenForScatter() {
        SplittableRandom rnd = new SplittableRandom(9);
        Dispersion d = new Dispersion();
        for (int t = 0; t < 1_800; t++) {
            double canaryRate = t < 300 ? 5 : 10; // twice stable's errors from minute 5
            d.add(poisson(rnd, canaryRate), poisson(rnd, 5), 0.5);
        }
        assertThat(d.factor()).isLessThan(1.1);
        assertThat(d.recentRatio()).isBetween(1.8, 2.2);
    }

    @Test
    void itGoesOnFromItsStateAndRefusesSumsThatAreNotNumbers() {
        Dispersion d = new Dispersion();
        d.add(6, 0, 0.5);
        d.add(0, 1, 0.5);
        Dispersion restored = new Dispersion(d.state());
        assertThat(restored.factor()).isEqualTo(d.factor()).isGreaterThan(1);
        assertThat(restored.state()).isEqualTo(d.state());
        assertThatThrownBy(() -> new Dispersion(new Dispersion.State(Double.NaN, 0, 0, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-negative");
    }

    /**
     * Stop-the-world pauses on either track of two identical versions, as the judge benchmark's pause
     * cells have them: each track pauses in one second of 120, and a pause makes a burst of its own
     * track's requests slow (or failed), up to 50 at 250 requests a second. The binomial model,
     * counting each request as independent, rolls back far more than alpha of these healthy canaries
     * at a tolerance of 1.0; tempered by the dispersion it stays within alpha, and still catches a
     * canary that is worse.
     */
    @Test
    void pausesOnEitherTrackOfIdenticalVersionsStayWithinAlphaOnceTheEvidenceIsTempered() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (double share : new double[] {0.5, 0.1}) {
            int runs = 1_000;
            int[] rejections = healthyRejections(rnd, runs, share, 120, 500 * 0.01, 500 * 0.1);
            assertThat(rejections[1]).as("rejections by the binomial model at a %s split, of %d", share, runs).isGreaterThan(runs * 3 / 100);
            assertThat(rejections[0]).as("rejections once tempered at a %s split, of %d (alpha 1%%)", share, runs).isLessThanOrEqualTo(runs / 100);
        }

        // bursts as large, twice as often, on a trickle of errors a tenth as large: still far from what the model does
        int runs = 1_000;
        int[] heavy = healthyRejections(rnd, runs, 0.5, 60, 0.5, 16);
        assertThat(heavy[1]).as("rejections by the binomial model, heavy bursts, of %d", runs).isGreaterThan(runs / 5);
        assertThat(heavy[0]).as("rejections once tempered, heavy bursts, of %d", runs).isLessThanOrEqualTo(runs * 2 / 100);

        // the same pauses, and the canary's own slow requests 1.5 times stable's: still caught within minutes
        int caught = 0;
        for (int run = 0; run < 200; run++) {
            RatioTest test = new RatioTest(1.0);
            for (int t = 0; t < 900 && test.eValue() < 100; t++) {
                test.update(poisson(rnd, 2.5 * 1.5) + burst(rnd, 120, 50), poisson(rnd, 2.5) + burst(rnd, 120, 50), 0.5, true);
            }
            caught += test.eValue() >= 100 ? 1 : 0;
        }
        assertThat(caught).as("canaries with 1.5 times stable's slow requests caught within 15 minutes, of 200").isGreaterThanOrEqualTo(196);
    }

    /**
     * Healthy canaries over 30 minutes: events at {@code perSecond} (both tracks), and on each track a
     * pause in one second of {@code pauseEvery} that brings up to {@code burst} of the whole route's
     * events' worth on that track (its share of them). Returns rejections {tempered, by the model}.
     */
    private static int[] healthyRejections(SplittableRandom rnd, int runs, double share, int pauseEvery, double perSecond, double burst) {
        int[] rejections = new int[2];
        for (int run = 0; run < runs; run++) {
            RatioTest test = new RatioTest(1.0);
            RatioTest model = new RatioTest(1.0);
            boolean[] rejected = new boolean[2];
            for (int t = 0; t < 1_800 && !(rejected[0] && rejected[1]); t++) {
                long ec = poisson(rnd, perSecond * share) + burst(rnd, pauseEvery, burst * share);
                long es = poisson(rnd, perSecond * (1 - share)) + burst(rnd, pauseEvery, burst * (1 - share));
                test.update(ec, es, share, true);
                model.update(ec, es, share, false); // the model's likelihood ratio as it is: neither tempered nor capped
                rejected[0] |= test.eValue() >= 100;
                rejected[1] |= model.eValue() >= 100;
            }
            rejections[0] += rejected[0] ? 1 : 0;
            rejections[1] += rejected[1] ? 1 : 0;
        }
        return rejections;
    }

    /** A pause in one second of {@code every}, 25-100% as long as the longest: that share of {@code largest} events. */
    private static long burst(SplittableRandom rnd, int every, double largest) {
        return rnd.nextDouble() < 1.0 / every ? poisson(rnd, largest * (0.25 + 0.75 * rnd.nextDouble())) : 0;
    }
}
