package io.glidepath.route;

import java.util.Locale;

/**
 * Which requests a route takes: a host (exact, or {@code *.example.com} for any subdomain; null for any
 * host) and a path prefix matched on segment boundaries ({@code /api} takes {@code /api} and
 * {@code /api/x}, not {@code /apix}).
 */
public record RouteMatch(String host, String pathPrefix) {

    public RouteMatch {
        host = host == null ? null : host.toLowerCase(Locale.ROOT);
        pathPrefix = pathPrefix == null ? "/" : pathPrefix;
    }

    public static RouteMatch any() {
        return new RouteMatch(null, "/");
    }

    public boolean isWildcardHost() {
        return host != null && host.startsWith("*.");
    }

    /** True when {@code requestHost} (lower case, no port) is taken by this route's host. */
    public boolean matchesHost(String requestHost) {
        if (host == null) {
            return true;
        }
        if (isWildcardHost()) {
            String suffix = host.substring(1); // ".example.com"
            return requestHost.length() > suffix.length() && requestHost.endsWith(suffix);
        }
        return host.equals(requestHost);
    }

    /** True when {@code path} (without the query) falls under this prefix on a segment boundary. */
    public boolean matchesPath(String path) {
        if (!path.startsWith(pathPrefix)) {
            return false;
        }
        if (pathPrefix.endsWith("/") || path.length() == pathPrefix.length()) {
            return true;
        }
        return path.charAt(pathPrefix.length()) == '/';
    }
}
