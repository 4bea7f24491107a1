package io.glidepath.testkit.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Kayenta-like classification: Mann-Whitney's shift and interval, outlier removal, and its ties. */
class KayentaLikeJudgeTest {

    @Test
    void theShiftOfASampleMovedByAConstantIsThatConstantInsideItsInterval() {
        SplittableRandom r = new SplittableRandom(1);
        double[] y = r.doubles(300).map(d -> 100 * d).toArray();
        double[] x = Arrays.stream(y).map(d -> d + 7).toArray();
        MannWhitney mw = new MannWhitney(x, y);
        assertThat(mw.estimate()).isCloseTo(7, within(1e-6));
        assertThat(mw.lower(0.98)).isBetween(0.0, 7.0);
        assertThat(mw.upper(0.98)).isBetween(7.0, 20.0);
    }

    @Test
    void aClearlySlowerCanaryIsHighAndTheSameDataIsNot() {
        SplittableRandom r = new SplittableRandom(2);
        double[] stable = r.doubles(300).map(d -> 100 + 20 * d).toArray();
        double[] canary = r.doubles(300).map(d -> 150 + 20 * d).toArray();
        assertThat(KayentaLikeJudge.classify("p99", canary, stable)).isPresent();
        assertThat(KayentaLikeJudge.classify("p99", stable, stable)).isEmpty();
        assertThat(KayentaLikeJudge.classify("p99", stable, canary)).as("lower is never High").isEmpty();
    }

    @Test
    void sparseErrorsAreMostlyZerosAndNeverHigh() {
        // seconds without errors on both tracks: the shift is exactly 0, not a rounding error above it
        double[] stable = new double[300];
        double[] canary = new double[300];
        for (int i = 0; i < 300; i++) {
            stable[i] = i % 50 == 0 ? 0.02 : 0;
            canary[i] = i % 10 == 0 ? 0.02 : 0;
        }
        assertThat(KayentaLikeJudge.classify("error rate", canary, stable)).isEmpty();
    }

    @Test
    void outliersBeyondThreeInterquartileRangesAndTheOuterPercentilesAreRemoved() {
        double[] v = new double[200];
        for (int i = 0; i < v.length; i++) {
            v[i] = 10 + i % 10;
        }
        v[0] = 1000;
        double[] kept = KayentaLikeJudge.withoutOutliers(v);
        assertThat(kept).hasSize(199).doesNotContain(1000.0);
    }
}
