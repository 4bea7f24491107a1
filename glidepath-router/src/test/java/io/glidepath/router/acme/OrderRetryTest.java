package io.glidepath.router.acme;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.time.Backoff;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a name may be ordered again: the shared back-off (doubling up to the longest wait), never before the CA's Retry-After. */
class OrderRetryTest {
    static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    final OrderRetry backoff = new OrderRetry(new Backoff(Duration.ofMinutes(1), Duration.ofHours(6), Backoff.UNLIMITED));

    static OrderFailedException failure() {
        return new OrderFailedException("the CA could not validate", false, null, null);
    }

    @Test
    void eachFailureInARowDoublesTheWaitUpToTheLongest() {
        assertThat(backoff.next(NOW, 1, failure())).isEqualTo(NOW.plus(Duration.ofMinutes(1)));
        assertThat(backoff.next(NOW, 2, failure())).isEqualTo(NOW.plus(Duration.ofMinutes(2)));
        assertThat(backoff.next(NOW, 5, failure())).isEqualTo(NOW.plus(Duration.ofMinutes(16)));
        assertThat(backoff.next(NOW, 9, failure())).isEqualTo(NOW.plus(Duration.ofHours(4)).plus(Duration.ofMinutes(16)));
        assertThat(backoff.next(NOW, 10, failure())).isEqualTo(NOW.plus(Duration.ofHours(6)));
        assertThat(backoff.next(NOW, 10_000, failure())).as("no overflow however long it fails").isEqualTo(NOW.plus(Duration.ofHours(6)));
    }

    @Test
    void aRateLimitedOrderWaitsForTheCasRetryAfterEvenBeyondTheLongestWait() {
        Instant later = NOW.plus(Duration.ofHours(30));
        OrderFailedException limited = new OrderFailedException("rate limited by the CA: too many certificates", true, later, null);
        assertThat(backoff.next(NOW, 1, limited)).isEqualTo(later);
        OrderFailedException soon = new OrderFailedException("rate limited by the CA", true, NOW.plusSeconds(5), null);
        assertThat(backoff.next(NOW, 3, soon)).as("a Retry-After sooner than the back-off does not shorten it").isEqualTo(NOW.plus(Duration.ofMinutes(4)));
    }
}
