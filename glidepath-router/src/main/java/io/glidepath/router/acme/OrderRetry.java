package io.glidepath.router.acme;

import io.glidepath.time.Backoff;
import java.time.Instant;

/**
 * When a name may be ordered again after failed orders: the shared {@link Backoff} (doubling from its
 * first wait up to its longest), and never before the CA's Retry-After when it gave one (Let's
 * Encrypt's rate limits say when the next order is welcome; orders before it count against the limit
 * again).
 */
record OrderRetry(Backoff backoff) {
    Instant next(Instant now, int failuresInARow, OrderFailedException why) {
        Instant next = now.plus(backoff.delay(failuresInARow));
        if (why.retryAfter().isPresent() && why.retryAfter().get().isAfter(next)) {
            next = why.retryAfter().get();
        }
        return next;
    }
}
