package io.glidepath.route;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.spec.Durations;
import io.glidepath.spec.Suggestions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the fields of a route document for {@link RouteJson}, collecting every error with its JSON
 * pointer and a hint; each method returns a usable default when its field is bad, so that one pass
 * reports them all.
 */
final class RouteFieldReader {
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e&&[^?#]]*");
    private static final Set<String> MATCH_FIELDS = Set.of("host", "pathPrefix");
    private static final Set<String> STICKY_FIELDS = Set.of("mode", "name");
    private static final Set<String> ENDPOINT_SETTINGS_FIELDS = Set.of("health", "drainTimeout", "version", "protocol");
    private static final Set<String> HEALTH_FIELDS = Set.of("path", "grpc", "interval", "timeout", "healthyThreshold", "unhealthyThreshold");
    private static final java.util.regex.Pattern GRPC_SERVICE = java.util.regex.Pattern.compile("|[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

    final List<FieldError> errors = new ArrayList<>();

    void error(String pointer, String message) {
        errors.add(new FieldError(pointer, message));
    }

    void unknownFields(JsonNode obj, String at, Set<String> known) {
        Iterator<String> names = obj.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!known.contains(f)) {
                String hint = Suggestions.closest(f, known).map(s -> ": did you mean \"" + s + "\"?")
                        .orElse(": known fields are " + String.join(", ", known.stream().sorted().toList()));
                error(at + "/" + RouteJson.escape(f), "unknown field \"" + f + "\"" + hint);
            }
        }
    }

    RouteMatch match(JsonNode m) {
        if (m == null || m.isNull()) {
            return RouteMatch.any();
        }
        if (!m.isObject()) {
            error("/match", "must be an object such as {\"host\": \"shop.example.com\", \"pathPrefix\": \"/\"}");
            return RouteMatch.any();
        }
        unknownFields(m, "/match", MATCH_FIELDS);
        String host = null;
        JsonNode h = m.get("host");
        if (h != null && !h.isNull()) {
            String v = h.isTextual() ? h.asText().toLowerCase(Locale.ROOT) : null;
            if (v == null || v.length() > 253 || !HOST.matcher(v).matches()) {
                error("/match/host", "must be a host name such as \"shop.example.com\" or \"*.example.com\" (no port, no scheme)");
            } else {
                host = v;
            }
        }
        String prefix = "/";
        JsonNode p = m.get("pathPrefix");
        if (p != null && !p.isNull()) {
            if (!p.isTextual() || !PATH.matcher(p.asText()).matches()) {
                error("/match/pathPrefix", "must be a path starting with \"/\" without query or spaces, such as \"/api\"");
            } else {
                prefix = p.asText();
            }
        }
        return new RouteMatch(host, prefix);
    }

    List<EndpointAddress> endpoints(JsonNode arr, String at, Set<EndpointAddress> seen) {
        List<EndpointAddress> list = new ArrayList<>();
        if (arr == null || arr.isNull()) {
            return list;
        }
        if (!arr.isArray()) {
            error(at, "must be an array of \"host:port\" strings such as [\"127.0.0.1:9001\"]");
            return list;
        }
        for (int i = 0; i < arr.size(); i++) {
            JsonNode e = arr.get(i);
            Optional<EndpointAddress> a = e.isTextual() ? EndpointAddress.parse(e.asText()) : Optional.empty();
            if (a.isEmpty()) {
                error(at + "/" + i, "must be \"host:port\" with a port in 1..65535, such as \"127.0.0.1:9001\"; got " + e);
            } else if (!seen.add(a.get())) {
                error(at + "/" + i, "endpoint " + a.get() + " appears twice in this route: an endpoint belongs to one track");
            } else {
                list.add(a.get());
            }
        }
        return list;
    }

    int weight(JsonNode w, String at) {
        if (w == null || w.isNull()) {
            return 0;
        }
        if (!w.isIntegralNumber() || w.asLong() < 0 || w.asLong() > RouteSpec.FULL_WEIGHT) {
            error(at, "must be a whole number of basis points in 0..10000 (2500 = 25%); got " + w);
            return 0;
        }
        return w.asInt();
    }

    Stickiness sticky(JsonNode s) {
        if (s == null || s.isNull()) {
            return Stickiness.cookie();
        }
        if (!s.isObject()) {
            error("/sticky", "must be an object such as {\"mode\": \"cookie\"} or {\"mode\": \"header\", \"name\": \"X-User-Id\"}");
            return Stickiness.cookie();
        }
        unknownFields(s, "/sticky", STICKY_FIELDS);
        JsonNode modeNode = s.get("mode");
        Stickiness.Mode mode = Stickiness.Mode.COOKIE;
        if (modeNode != null) {
            try {
                mode = Stickiness.Mode.valueOf(modeNode.asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                error("/sticky/mode", "must be \"cookie\", \"header\" or \"none\"; got " + modeNode);
                return Stickiness.cookie();
            }
        }
        JsonNode nameNode = s.get("name");
        String name = null;
        if (nameNode != null && !nameNode.isNull()) {
            if (!nameNode.isTextual() || !TOKEN.matcher(nameNode.asText()).matches()) {
                error("/sticky/name", "must be a cookie or header name made of letters, digits and -_.; got " + nameNode);
                return Stickiness.cookie();
            }
            name = nameNode.asText();
        }
        if (mode == Stickiness.Mode.HEADER && name == null) {
            error("/sticky/name", "is required with mode \"header\": the request header that identifies a client, such as \"X-User-Id\"");
            return Stickiness.cookie();
        }
        return new Stickiness(mode, name);
    }

    /** A health check at {@code at}; fields left out take {@code d}'s values. */
    HealthCheck health(JsonNode h, String at, HealthCheck d) {
        if (h == null || h.isNull()) {
            return d;
        }
        if (!h.isObject()) {
            error(at, "must be an object such as {\"path\": \"/health\", \"interval\": \"1s\"}");
            return d;
        }
        unknownFields(h, at, HEALTH_FIELDS);
        String path = h.has("path") ? null : d.path();
        JsonNode p = h.get("path");
        if (p != null && !p.isNull()) {
            if (!p.isTextual() || !p.asText().startsWith("/") || p.asText().chars().anyMatch(c -> c <= ' ' || c >= 127)) {
                error(at + "/path", "must be a path starting with \"/\" such as \"/health\"; leave it out for a TCP connect check");
            } else {
                path = p.asText();
            }
        }
        String grpc = h.has("path") ? null : d.grpcService();
        JsonNode g = h.get("grpc");
        if (g != null && !g.isNull()) {
            if (p != null && !p.isNull()) {
                error(at + "/grpc", "a check is a GET of a path or a gRPC health check, not both: leave out path or grpc");
            } else if (!g.isTextual() || !GRPC_SERVICE.matcher(g.asText()).matches()) {
                error(at + "/grpc", "must be the gRPC service whose health is checked, such as \"shop.Orders\", or \"\" for the server as a whole");
            } else {
                grpc = g.asText();
                path = null;
            }
        }
        Duration interval = duration(h.get("interval"), at + "/interval", d.interval(), Duration.ofMillis(100), Duration.ofMinutes(10));
        Duration timeout = duration(h.get("timeout"), at + "/timeout", d.timeout(), Duration.ofMillis(10), Duration.ofMinutes(1));
        int healthy = count(h.get("healthyThreshold"), at + "/healthyThreshold", d.healthyThreshold());
        int unhealthy = count(h.get("unhealthyThreshold"), at + "/unhealthyThreshold", d.unhealthyThreshold());
        return new HealthCheck(path, interval, timeout, healthy, unhealthy, grpc);
    }

    Duration drainTimeout(JsonNode n, String at, Duration dflt) {
        return duration(n, at, dflt, Duration.ZERO, Duration.ofHours(1));
    }

    /**
     * Per-endpoint settings, keyed by an endpoint of the route ({@code present}); what an entry
     * leaves out is the route's.
     */
    Map<EndpointAddress, EndpointSettings> endpointSettings(JsonNode doc, Set<EndpointAddress> present, HealthCheck health, Duration drain) {
        Map<EndpointAddress, EndpointSettings> out = new LinkedHashMap<>();
        if (doc == null || doc.isNull()) {
            return out;
        }
        if (!doc.isObject()) {
            error("/endpointSettings", "must be an object keyed by endpoint, such as {\"127.0.0.1:9001\": {\"health\": {\"path\": \"/ready\"}}}");
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String at = "/endpointSettings/" + RouteJson.escape(f.getKey());
            Optional<EndpointAddress> a = EndpointAddress.parse(f.getKey());
            if (a.isEmpty()) {
                error(at, "must be keyed by \"host:port\", such as \"127.0.0.1:9001\"");
                continue;
            }
            if (!present.contains(a.get())) {
                error(at, "endpoint " + a.get() + " is in none of the route's tracks: add it to stable, canary or preview, or leave its settings out");
                continue;
            }
            JsonNode e = f.getValue();
            if (!e.isObject()) {
                error(at, "must be an object such as {\"health\": {\"path\": \"/ready\"}, \"drainTimeout\": \"30s\"}");
                continue;
            }
            unknownFields(e, at, ENDPOINT_SETTINGS_FIELDS);
            out.put(a.get(), new EndpointSettings(health(e.get("health"), at + "/health", health),
                    drainTimeout(e.get("drainTimeout"), at + "/drainTimeout", drain), version(e.get("version"), at + "/version"),
                    protocol(e.get("protocol"), at + "/protocol")));
        }
        return out;
    }

    /** What the endpoint speaks: "http/1.1" when left out. */
    BackendProtocol protocol(JsonNode n, String at) {
        if (n == null || n.isNull()) {
            return BackendProtocol.HTTP1;
        }
        Optional<BackendProtocol> p = n.isTextual() ? BackendProtocol.fromId(n.asText()) : Optional.empty();
        if (p.isEmpty()) {
            error(at, "must be one of " + BackendProtocol.names() + " (h2c: HTTP/2 without TLS, as gRPC servers speak); got " + n);
            return BackendProtocol.HTTP1;
        }
        return p.get();
    }

    /** A version label: printable text without spaces, as release files name versions. */
    Optional<String> version(JsonNode n, String at) {
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        String v = n.isTextual() ? n.asText() : "";
        if (v.isEmpty() || v.length() > EndpointSettings.MAX_VERSION_LENGTH || !v.chars().allMatch(c -> c > 32 && c < 127)) {
            error(at, "must be a version such as \"v2\" or \"1.4.0\" (1.." + EndpointSettings.MAX_VERSION_LENGTH
                    + " printable characters, no spaces); got " + n);
            return Optional.empty();
        }
        return Optional.of(v);
    }

    int count(JsonNode n, String at, int dflt) {
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > 100) {
            error(at, "must be a whole number in 1..100; got " + n);
            return dflt;
        }
        return n.asInt();
    }

    private static final Set<String> HTTPS_FIELDS = Set.of("redirect", "hsts");
    private static final Set<String> HSTS_FIELDS = Set.of("maxAge", "includeSubDomains");

    /** {@code {"redirect": true, "hsts": {"maxAge": "8760h", "includeSubDomains": true}}}; none when absent. */
    HttpsPolicy https(JsonNode n, String at) {
        if (n == null || n.isNull()) {
            return HttpsPolicy.none();
        }
        if (!n.isObject()) {
            error(at, "must be an object such as {\"redirect\": true, \"hsts\": {\"maxAge\": \"8760h\"}}");
            return HttpsPolicy.none();
        }
        unknownFields(n, at, HTTPS_FIELDS);
        boolean redirect = bool(n.get("redirect"), at + "/redirect");
        Optional<Duration> maxAge = Optional.empty();
        boolean subdomains = false;
        JsonNode h = n.get("hsts");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) {
                error(at + "/hsts", "must be an object such as {\"maxAge\": \"8760h\", \"includeSubDomains\": true}");
            } else {
                unknownFields(h, at + "/hsts", HSTS_FIELDS);
                if (h.get("maxAge") == null) {
                    error(at + "/hsts/maxAge", "is required: how long browsers keep to HTTPS, such as \"8760h\" (a year)");
                } else {
                    maxAge = Optional.of(duration(h.get("maxAge"), at + "/hsts/maxAge", Duration.ZERO, Duration.ofMinutes(5), Duration.ofHours(17_520)));
                }
                subdomains = bool(h.get("includeSubDomains"), at + "/hsts/includeSubDomains");
            }
        }
        return new HttpsPolicy(redirect, maxAge, subdomains);
    }

    private static final Set<String> MIRROR_FIELDS = Set.of("weight", "allMethods");

    /** {@code {"weight": 2000, "allMethods": false}}; none when absent. */
    Mirror mirror(JsonNode n, String at) {
        if (n == null || n.isNull()) {
            return Mirror.none();
        }
        if (!n.isObject()) {
            error(at, "must be an object such as {\"weight\": 2000} (a copy of 20% of the requests to the canary's endpoints)");
            return Mirror.none();
        }
        unknownFields(n, at, MIRROR_FIELDS);
        int weight = weight(n.get("weight"), at + "/weight");
        return new Mirror(weight, bool(n.get("allMethods"), at + "/allMethods"));
    }

    private boolean bool(JsonNode n, String at) {
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            error(at, "must be true or false; got " + n);
            return false;
        }
        return n.asBoolean();
    }

    Duration duration(JsonNode n, String at, Duration dflt, Duration min, Duration max) {
        if (n == null || n.isNull()) {
            return dflt;
        }
        Optional<Duration> d = n.isTextual() ? Durations.parse(n.asText()) : Optional.empty();
        if (d.isEmpty()) {
            error(at, "must be a duration such as \"500ms\", \"30s\" or \"5m\"; got " + n);
            return dflt;
        }
        if (d.get().compareTo(min) < 0 || d.get().compareTo(max) > 0) {
            error(at, "must be between " + Durations.format(min) + " and " + Durations.format(max) + "; got " + n);
            return dflt;
        }
        return d.get();
    }
}
