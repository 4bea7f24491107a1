package io.glidepath.router.acme;

import java.time.Instant;
import java.util.Optional;

/**
 * An order that did not bring a certificate, with the CA's reason in words.
 *
 * @see #rateLimited()
 */
public final class OrderFailedException extends Exception {
    private final boolean rateLimited;
    private final Instant retryAfter;

    OrderFailedException(String reason, boolean rateLimited, Instant retryAfter, Throwable cause) {
        super(reason, cause);
        this.rateLimited = rateLimited;
        this.retryAfter = retryAfter;
    }

    /** The CA answered with its rateLimited problem: the next order waits at least until {@link #retryAfter()}. */
    public boolean rateLimited() {
        return rateLimited;
    }

    /** When the CA said to come back (its Retry-After), if it did. */
    public Optional<Instant> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
