package io.glidepath.router.acme;

import java.time.Duration;
import java.time.Instant;

/**
 * How long a name waits after failed orders: {@code first}, doubling with each failure in a row, at
 * most {@code max}; never before the CA's Retry-After when it gave one (Let's Encrypt's rate limits
 * say when the next order is welcome, and orders before it only count against the limit again).
 */
record Backoff(Duration first, Duration max) {
    Instant next(Instant now, int failuresInARow, OrderFailedException why) {
        Duration wait = first;
        for (int i = 1; i < failuresInARow && wait.compareTo(max) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        if (wait.compareTo(max) > 0) {
            wait = max;
        }
        Instant next = now.plus(wait);
        if (why.retryAfter().isPresent() && why.retryAfter().get().isAfter(next)) {
            next = why.retryAfter().get();
        }
        return next;
    }
}
