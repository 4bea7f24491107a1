package io.glidepath.route;

import java.time.Duration;
import java.util.Optional;

/**
 * What a route asks of the router's HTTPS edge.
 *
 * @param redirect          plain HTTP requests get a 308 to the same URL over HTTPS (the ACME
 *                          HTTP-01 challenge path excepted); needs a router with an HTTPS listener
 * @param hstsMaxAge        when present, HTTPS responses carry {@code Strict-Transport-Security} with
 *                          this max-age (never plain HTTP responses: RFC 6797 s7.2)
 * @param hstsSubdomains    the header's {@code includeSubDomains}
 */
public record HttpsPolicy(boolean redirect, Optional<Duration> hstsMaxAge, boolean hstsSubdomains) {

    public HttpsPolicy {
        hstsMaxAge = hstsMaxAge == null ? Optional.empty() : hstsMaxAge;
    }

    public static HttpsPolicy none() {
        return new HttpsPolicy(false, Optional.empty(), false);
    }

    public boolean isNone() {
        return !redirect && hstsMaxAge.isEmpty();
    }

    /** The Strict-Transport-Security value, when the route asks for one. */
    public Optional<String> hstsHeader() {
        return hstsMaxAge.map(d -> "max-age=" + d.toSeconds() + (hstsSubdomains ? "; includeSubDomains" : ""));
    }
}
