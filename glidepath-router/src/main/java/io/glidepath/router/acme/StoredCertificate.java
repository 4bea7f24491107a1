package io.glidepath.router.acme;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A certificate the ACME client stored: the names it serves and its validity.
 *
 * @param serial the leaf's serial number in hex (tells one issuance from the next)
 */
public record StoredCertificate(List<String> names, Instant notBefore, Instant notAfter, String serial) {
    /**
     * When to renew: at two thirds of its lifetime (30 days before expiry for Let's Encrypt's 90-day
     * certificates, 2 days before for its 6-day ones), so that a CA outage of a third of the lifetime
     * still leaves time.
     */
    public Instant renewAt() {
        Duration life = Duration.between(notBefore, notAfter);
        return notBefore.plus(life.multipliedBy(2).dividedBy(3));
    }

    public boolean serves(String name) {
        return names.contains(name);
    }
}
