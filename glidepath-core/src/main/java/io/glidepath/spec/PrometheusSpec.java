package io.glidepath.spec;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * A service's figures read from Prometheus instead of the router ({@code analysis.metrics.prometheus}):
 * a PromQL query per figure, run once per track and window with its placeholders filled
 * ({@link QueryTemplates}). {@code requests} and {@code errors} count the window's requests and 5xx
 * answers; {@code latency} (optional) is the latency in seconds at {@code {{quantile}}};
 * {@code slowerThan} (optional) counts the requests slower than {@code {{seconds}}}. {@code url} is
 * empty when the server's own ({@code --prometheus}) is meant. {@code location} is where the block
 * stands in the file (a submission refused for want of a URL points there).
 */
public record PrometheusSpec(Optional<URI> url, Duration timeout, String requests, String errors, Optional<String> latency,
                             Optional<String> slowerThan, Location location) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** The shortest interval a window can be read in: increase() and rate() need two scrapes inside the window. */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(2);

    /**
     * What is wrong with a Prometheus base URL (empty when fine): http or https, a host, no query or
     * fragment. Credentials ({@code user:password@}) only where {@code credentialsAllowed}: a release
     * file is kept in the journal and shown to every viewer, the server's flag is not.
     */
    public static Optional<String> urlProblem(String text, boolean credentialsAllowed) {
        if (!text.regionMatches(true, 0, "http://", 0, 7) && !text.regionMatches(true, 0, "https://", 0, 8)) {
            return Optional.of("must start with http:// or https://, such as http://127.0.0.1:9090");
        }
        URI u;
        try {
            u = new URI(text);
        } catch (URISyntaxException e) {
            return Optional.of("is not a URL (" + e.getReason() + " at character " + (e.getIndex() + 1) + "); write it as http://HOST:9090");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("must start with http:// or https://, such as http://127.0.0.1:9090");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            return Optional.of("names no host; write it as http://HOST:9090");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            return Optional.of("must be Prometheus's base URL without a query or fragment, such as http://prometheus:9090 or https://host/prometheus");
        }
        if (u.getRawUserInfo() != null && !credentialsAllowed) {
            return Optional.of("holds credentials, and a release file is kept in the journal for every viewer to read: give them to the server "
                    + "instead (glidepath server --prometheus URL) and leave url out here");
        }
        return Optional.empty();
    }
}
