package io.glidepath.router.acme;

import java.time.Instant;
import java.util.Optional;

/**
 * Where one name stands with the ACME client, as {@code GET /v1/certificates} shows it.
 *
 * @param certificate what is stored and served for it, if anything (a failed renewal keeps serving it)
 * @param failures    failed orders in a row
 * @param reason      why the last order failed; empty once one succeeded
 * @param nextAttempt when the next order may go out (after a failure: the back-off, or the CA's Retry-After)
 */
public record NameStatus(String name, State state, Optional<StoredCertificate> certificate, int failures, Optional<String> reason,
                         Optional<Instant> nextAttempt) {
    public enum State {
        /** no certificate yet; an order is due or under way */
        PENDING,
        /** a certificate that is not due for renewal */
        VALID,
        /** a certificate due for renewal; the order is due or under way */
        RENEWING,
        /** the last order failed; the next waits for {@code nextAttempt} */
        FAILED
    }

    static NameStatus pending(String name) {
        return new NameStatus(name, State.PENDING, Optional.empty(), 0, Optional.empty(), Optional.empty());
    }

    NameStatus withState(State s) {
        return new NameStatus(name, s, certificate, failures, reason, nextAttempt);
    }

    NameStatus issued(StoredCertificate c) {
        return new NameStatus(name, State.VALID, Optional.of(c), 0, Optional.empty(), Optional.empty());
    }

    NameStatus failed(String why, Instant next) {
        return new NameStatus(name, State.FAILED, certificate, failures + 1, Optional.of(why), Optional.of(next));
    }
}
