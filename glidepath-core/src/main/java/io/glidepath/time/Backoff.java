package io.glidepath.time;

import java.time.Duration;

/**
 * The one back-off policy: waits that double from {@code first} up to {@code max}, for at most
 * {@code retries} retries (0: no retry; {@link #UNLIMITED}: as many as it takes). Webhook deliveries,
 * the router's supervisor and the router's ACME orders wait by it.
 */
public record Backoff(Duration first, Duration max, int retries) {
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public Backoff {
        if (first.isNegative() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("a back-off needs 0 <= first <= max; got " + first + " and " + max);
        }
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be 0 or more; got " + retries);
        }
    }

    /** The wait before retry {@code n} (from 1): first, 2 x first, 4 x first, ... never over max. */
    public Duration delay(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("retries count from 1; got " + n);
        }
        long nanos = first.toNanos();
        for (int i = 1; i < n && nanos < max.toNanos(); i++) {
            nanos = Math.multiplyExact(nanos, 2);
        }
        return Duration.ofNanos(Math.min(nanos, max.toNanos()));
    }

    /** True while retry {@code n} (from 1) is allowed. */
    public boolean allows(int n) {
        return n >= 1 && n <= retries;
    }
}
