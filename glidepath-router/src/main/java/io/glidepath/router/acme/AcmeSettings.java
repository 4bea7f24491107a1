package io.glidepath.router.acme;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the router gets its certificates from an ACME CA (RFC 8555).
 *
 * @param directory  the CA's directory URL (Let's Encrypt's production one by default)
 * @param email      the account's contact, for the CA's expiry and policy mails; empty for none
 * @param caRoot     a PEM file of the CA roots to trust for the ACME API itself (a private CA such as
 *                   step-ca, or pebble); empty: the JDK's trust store
 * @param checkEvery how often every name is looked at (renewal due, a retry due); route changes and
 *                   first handshakes for a name are looked at at once
 * @param retryFirst the first wait after a failed order; each further failure in a row doubles it
 * @param retryMax   the longest wait between two orders for one name
 */
public record AcmeSettings(URI directory, Optional<String> email, Optional<Path> caRoot, Duration checkEvery, Duration retryFirst,
                           Duration retryMax) {
    public static final URI LETS_ENCRYPT = URI.create("https://acme-v02.api.letsencrypt.org/directory");

    public AcmeSettings {
        if (!"https".equals(directory.getScheme()) && !"http".equals(directory.getScheme())) {
            throw new IllegalArgumentException("the ACME directory must be an http(s) URL; got " + directory);
        }
        if (checkEvery.isNegative() || checkEvery.isZero() || retryFirst.isNegative() || retryFirst.isZero() || retryMax.compareTo(retryFirst) < 0) {
            throw new IllegalArgumentException("checkEvery and retryFirst must be positive and retryMax at least retryFirst");
        }
    }

    /** Production timings: every name looked at each minute; retries after 1 minute, doubling up to 6 hours. */
    public static AcmeSettings of(URI directory, Optional<String> email, Optional<Path> caRoot) {
        return new AcmeSettings(directory, email, caRoot, Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofHours(6));
    }

    public AcmeSettings withTimings(Duration checkEvery, Duration retryFirst, Duration retryMax) {
        return new AcmeSettings(directory, email, caRoot, checkEvery, retryFirst, retryMax);
    }
}
