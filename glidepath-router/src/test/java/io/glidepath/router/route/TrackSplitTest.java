package io.glidepath.router.route;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class TrackSplitTest {

    @Property
    void aClientInTheCanaryStaysThereWhileTheWeightGrows(@ForAll @AlphaChars @StringLength(min = 1, max = 40) String client,
                                                         @ForAll @IntRange(min = 0, max = 10_000) int weight,
                                                         @ForAll @IntRange(min = 0, max = 10_000) int more) {
        long seed = TrackSplit.seed("web");
        int grown = Math.min(10_000, weight + more);
        if (TrackSplit.inCanary(client, seed, weight)) {
            assertThat(TrackSplit.inCanary(client, seed, grown)).isTrue();
        }
    }

    @Property
    void theEdgesAreExact(@ForAll @AlphaChars @StringLength(min = 1, max = 40) String client) {
        long seed = TrackSplit.seed("web");
        assertThat(TrackSplit.inCanary(client, seed, 0)).isFalse();
        assertThat(TrackSplit.inCanary(client, seed, 10_000)).isTrue();
    }

    @Test
    void sequentialIdsSpreadEvenly() {
        long seed = TrackSplit.seed("web");
        int[] deciles = new int[10];
        for (int i = 0; i < 100_000; i++) {
            deciles[TrackSplit.bucket("client-" + i, seed) / 1000]++;
        }
        for (int d : deciles) {
            assertThat(d).isBetween(9_500, 10_500);
        }
    }

    @Test
    void routesSplitTheSameClientIndependently() {
        long a = TrackSplit.seed("catalog");
        long b = TrackSplit.seed("pricing");
        int both = 0;
        for (int i = 0; i < 10_000; i++) {
            if (TrackSplit.inCanary("c" + i, a, 1000) && TrackSplit.inCanary("c" + i, b, 1000)) {
                both++;
            }
        }
        // independent 10% splits overlap on about 1%
        assertThat(both).isBetween(60, 140);
    }
}
