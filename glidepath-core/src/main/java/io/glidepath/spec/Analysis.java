package io.glidepath.spec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How the canary is judged against stable: every {@code interval}, over that interval's requests,
 * each rule gives a verdict; {@code failAfter} failing intervals in a row roll back. Fewer than
 * {@code minRequests} canary requests is inconclusive, not failing. After promotion the new version
 * is watched for {@code postPromotion}.
 */
public record Analysis(Duration interval, long minRequests, int failAfter, Duration postPromotion, List<Rule> rules) {

    public Analysis {
        rules = List.copyOf(rules);
    }

    /** One thing the canary must satisfy. */
    public sealed interface Rule {
        /** Error rates as fractions (0.01 = 1%): the canary's own and its excess over stable. */
        record ErrorRate(Optional<Double> max, Optional<Double> maxIncrease) implements Rule {
        }

        /** A latency percentile (such as 99) must stay at or under {@code max}. */
        record Latency(double percentile, Duration max) implements Rule {
        }
    }
}
