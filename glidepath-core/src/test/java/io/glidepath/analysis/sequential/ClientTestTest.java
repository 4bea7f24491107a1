package io.glidepath.analysis.sequential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.glidepath.analysis.ClientOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The clients-as-units test: its thinning is exact, and the tolerance it grants is the one asked. */
class ClientTestTest {

    @Test
    void aCanaryClientsThinnedOutcomeIsItsMeanOverKeepingEachErrorWithOneOverTheTolerance() {
        double mean = 2;
        double sd = 1.7;
        for (int errors : new int[] {0, 1, 3, 8, 40}) {
            double keep = 1 / 1.25;
            // every subset of kept errors, by its probability
            double expected = 0;
            for (int k = 0; k <= errors; k++) {
                double p = choose(errors, k) * Math.pow(keep, k) * Math.pow(1 - keep, errors - k);
                expected += p * ClientTest.standardized(k, mean, sd);
            }
            assertThat(ClientTest.thinned(errors, keep, mean, sd)).as("%d errors", errors).isCloseTo(expected, within(1e-9));
        }
        assertThat(ClientTest.thinned(5, 1, mean, sd)).as("no tolerance: nothing thinned").isEqualTo(ClientTest.standardized(5, mean, sd));
        assertThat(ClientTest.thinned(100_000, 0.9, 10, 3)).as("a canary that fails everything: clipped").isCloseTo(ClientTest.CLIP, within(1e-9));
    }

    private static double choose(int n, int k) {
        double c = 1;
        for (int i = 1; i <= k; i++) {
            c = c * (n - k + i) / i;
        }
        return c;
    }

    /** Clients with their own error propensities, each on the canary with chance 0.2, whose errors there are {@code ratio} times. */
    private static double run(SplittableRandom rnd, double tolerance, double ratio, int clients) {
        ClientTest test = new ClientTest(tolerance);
        for (int t = 0; t < clients / 10; t++) {
            List<ClientOutcome> second = new ArrayList<>();
            long stableRequests = 0;
            long stableErrors = 0;
            for (int i = 0; i < 10; i++) {
                boolean canary = rnd.nextDouble() < 0.2;
                double p = 0.02 * Math.exp(0.5 * Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble()));
                long n = 50 + rnd.nextInt(500);
                long e = 0;
                for (long r = 0; r < n; r++) {
                    e += rnd.nextDouble() < Math.min(1, p * (canary ? ratio : 1)) ? 1 : 0;
                }
                second.add(new ClientOutcome(0, canary, 0.2, n, e));
                if (!canary) {
                    stableRequests += n;
                    stableErrors += e;
                }
            }
            test.update(second, stableErrors, stableRequests);
            if (test.eValue() >= 100) {
                return test.eValue();
            }
        }
        return test.eValue();
    }

    @Test
    void aCanaryAtTheToleranceIsRolledBackNoMoreOftenThanAlphaAndOneWellBeyondItIs() {
        SplittableRandom rnd = new SplittableRandom(42);
        int atTolerance = 0;
        int beyond = 0;
        for (int r = 0; r < 200; r++) {
            atTolerance += run(rnd, 1.2, 1.2, 1000) >= 100 ? 1 : 0;
            beyond += run(rnd, 1.2, 2.4, 1000) >= 100 ? 1 : 0;
        }
        assertThat(atTolerance).as("canaries 1.2x stable against a tolerance of 1.2, rolled back, of 200").isLessThanOrEqualTo(2);
        assertThat(beyond).as("canaries 2.4x stable, rolled back, of 200").isGreaterThanOrEqualTo(196);
    }
}
