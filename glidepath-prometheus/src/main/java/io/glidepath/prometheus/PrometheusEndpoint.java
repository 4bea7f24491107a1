package io.glidepath.prometheus;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Where a Prometheus answers: its base URL without credentials (what messages show) and, when the URL
 * carried {@code user:password@}, the Basic authorization sent with each query (never shown).
 */
public final class PrometheusEndpoint {
    private final URI base;
    private final Optional<String> authorization;

    private PrometheusEndpoint(URI base, Optional<String> authorization) {
        this.base = base;
        this.authorization = authorization;
    }

    /** From a base URL such as {@code http://127.0.0.1:9090} or {@code https://user:secret@host/prometheus}. */
    public static PrometheusEndpoint of(URI url) {
        Optional<String> auth = Optional.ofNullable(url.getRawUserInfo()).map(u -> {
            int colon = u.indexOf(':');
            String user = URLDecoder.decode(colon < 0 ? u : u.substring(0, colon), StandardCharsets.UTF_8);
            String password = colon < 0 ? "" : URLDecoder.decode(u.substring(colon + 1), StandardCharsets.UTF_8);
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        });
        try {
            String path = url.getRawPath() == null ? "" : url.getRawPath().replaceAll("/+$", "");
            return new PrometheusEndpoint(new URI(url.getScheme(), null, url.getHost(), url.getPort(), null, null, null)
                    .resolve(path.isEmpty() ? "/" : path + "/"), auth);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a Prometheus URL: " + e.getReason(), e);
        }
    }

    /** The instant-query endpoint, {@code /api/v1/query} under the base path. */
    URI queryUri() {
        return base.resolve("api/v1/query");
    }

    Optional<String> authorization() {
        return authorization;
    }

    /** The base URL without credentials, such as {@code http://127.0.0.1:9090}. */
    @Override
    public String toString() {
        String s = base.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
