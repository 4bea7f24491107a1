package io.glidepath.route;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.spec.Durations;
import io.glidepath.spec.ReleaseLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The JSON form of routes, shared by the router's admin API, its state file and the Java client.
 * Reading validates everything at once and reports each bad field by JSON pointer with a hint.
 */
public final class RouteJson {
    /**
     * Routes and the router's state file are a few levels deep; the nesting limit (the release files' one)
     * refuses a document of thousands of brackets long before anything walks it.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(ReleaseLimits.STANDARD.maxDepth()).build())
            .build());

    private static final Pattern ROUTE_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    private static final Set<String> ROUTE_FIELDS = Set.of("name", "generation", "previewKey", "match", "stable",
            "canary", "preview", "canaryWeight", "sticky", "overrideHeader", "shield", "health", "drainTimeout", "endpointSettings", "https", "mirror");

    private RouteJson() {
    }

    /**
     * Reads a JSON document into a tree. A syntax error and a document past the read limits both come back as a
     * {@link JsonProcessingException} with a line and column (Jackson's limit errors carry none of their own: theirs
     * is the token that went past the limit, such as the 33rd bracket).
     */
    public static JsonNode readTree(byte[] json) throws JsonProcessingException {
        try (JsonParser p = MAPPER.createParser(json)) {
            return readTree(p);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: no I/O to fail
        }
    }

    /** {@link #readTree(byte[])} for text. */
    public static JsonNode readTree(String json) throws JsonProcessingException {
        try (JsonParser p = MAPPER.createParser(json)) {
            return readTree(p);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readTree(JsonParser p) throws IOException {
        try {
            return MAPPER.readTree(p);
        } catch (StreamConstraintsException e) {
            throw new JsonParseException(p, e.getOriginalMessage().replaceAll(", from `StreamReadConstraints\\.\\w+\\(\\)`", ""),
                    p.currentTokenLocation());
        }
    }

    public static boolean isValidRouteName(String name) {
        return name != null && ROUTE_NAME.matcher(name).matches();
    }

    /** Reads a route document for the route called {@code name}; every bad field is reported at once. */
    public static RouteSpec readSpec(String name, JsonNode doc) throws InvalidRouteException {
        RouteFieldReader r = new RouteFieldReader();
        if (!isValidRouteName(name)) {
            r.error("", "route name '" + name + "' is not valid: use 1-63 characters a-z, 0-9, '.', '_', '-', starting with a letter or digit");
        }
        if (doc == null || !doc.isObject()) {
            r.error("", "a route must be a JSON object");
            throw new InvalidRouteException(r.errors);
        }
        r.unknownFields(doc, "", ROUTE_FIELDS);
        JsonNode nameNode = doc.get("name");
        if (nameNode != null && !(nameNode.isTextual() && nameNode.asText().equals(name))) {
            r.error("/name", "the body names route " + nameNode + " but the URL names '" + name + "': make them agree or leave name out");
        }
        RouteMatch match = r.match(doc.get("match"));
        Set<EndpointAddress> seen = new LinkedHashSet<>();
        List<EndpointAddress> stable = r.endpoints(doc.get("stable"), "/stable", seen);
        List<EndpointAddress> canary = r.endpoints(doc.get("canary"), "/canary", seen);
        List<EndpointAddress> preview = r.endpoints(doc.get("preview"), "/preview", seen);
        int weight = r.weight(doc.get("canaryWeight"), "/canaryWeight");
        Stickiness sticky = r.sticky(doc.get("sticky"));
        String override = RouteSpec.DEFAULT_OVERRIDE_HEADER;
        JsonNode o = doc.get("overrideHeader");
        if (o != null) {
            if (!o.isTextual() || !TOKEN.matcher(o.asText()).matches()) {
                r.error("/overrideHeader", "must be an HTTP header name such as \"X-Glidepath-Track\"");
            } else {
                override = o.asText();
            }
        }
        boolean shield = true;
        JsonNode s = doc.get("shield");
        if (s != null) {
            if (!s.isBoolean()) {
                r.error("/shield", "must be true or false");
            } else {
                shield = s.asBoolean();
            }
        }
        HealthCheck health = r.health(doc.get("health"), "/health", HealthCheck.tcpDefault());
        Duration drain = r.drainTimeout(doc.get("drainTimeout"), "/drainTimeout", RouteSpec.DEFAULT_DRAIN_TIMEOUT);
        Map<EndpointAddress, EndpointSettings> settings = r.endpointSettings(doc.get("endpointSettings"), seen, health, drain);
        HttpsPolicy https = r.https(doc.get("https"), "/https");
        Mirror mirror = r.mirror(doc.get("mirror"), "/mirror");
        if (!r.errors.isEmpty()) {
            throw new InvalidRouteException(r.errors);
        }
        return new RouteSpec(name, match, stable, canary, preview, weight, sticky, override, shield, health, drain, settings, https, mirror);
    }

    /** Reads the body of a weight change: {@code {"canaryWeight": 2500}}. */
    public static int readWeight(JsonNode doc) throws InvalidRouteException {
        RouteFieldReader r = new RouteFieldReader();
        if (doc == null || !doc.isObject()) {
            r.error("", "expected a JSON object such as {\"canaryWeight\": 2500}");
            throw new InvalidRouteException(r.errors);
        }
        r.unknownFields(doc, "", Set.of("canaryWeight"));
        if (doc.get("canaryWeight") == null) {
            r.error("/canaryWeight", "is required: the canary's share in basis points, 0..10000 (2500 = 25%)");
        }
        int w = r.weight(doc.get("canaryWeight"), "/canaryWeight");
        if (!r.errors.isEmpty()) {
            throw new InvalidRouteException(r.errors);
        }
        return w;
    }

    /** Reads the body of a drain: {@code {"endpoints": ["127.0.0.1:9001"]}}. */
    public static Set<EndpointAddress> readDrain(JsonNode doc) throws InvalidRouteException {
        RouteFieldReader r = new RouteFieldReader();
        if (doc == null || !doc.isObject()) {
            r.error("", "expected a JSON object such as {\"endpoints\": [\"127.0.0.1:9001\"]}");
            throw new InvalidRouteException(r.errors);
        }
        r.unknownFields(doc, "", Set.of("endpoints"));
        if (doc.get("endpoints") == null) {
            r.error("/endpoints", "is required: the endpoints to take out of the route, as \"host:port\"");
        }
        List<EndpointAddress> list = r.endpoints(doc.get("endpoints"), "/endpoints", new LinkedHashSet<>());
        if (!r.errors.isEmpty()) {
            throw new InvalidRouteException(r.errors);
        }
        return new LinkedHashSet<>(list);
    }

    public static ObjectNode write(RouteState state) {
        ObjectNode n = writeSpec(state.spec());
        n.put("generation", state.generation());
        n.put("previewKey", state.previewKey());
        return n;
    }

    public static ObjectNode writeSpec(RouteSpec spec) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("name", spec.name());
        ObjectNode m = n.putObject("match");
        if (spec.match().host() != null) {
            m.put("host", spec.match().host());
        }
        m.put("pathPrefix", spec.match().pathPrefix());
        for (Track t : Track.values()) {
            ArrayNode a = n.putArray(t.id());
            spec.endpoints(t).forEach(e -> a.add(e.toString()));
        }
        n.put("canaryWeight", spec.canaryWeight());
        ObjectNode st = n.putObject("sticky");
        st.put("mode", spec.sticky().mode().name().toLowerCase(Locale.ROOT));
        if (spec.sticky().name() != null) {
            st.put("name", spec.sticky().name());
        }
        n.put("overrideHeader", spec.overrideHeader());
        n.put("shield", spec.shield());
        writeHealth(n.putObject("health"), spec.health());
        n.put("drainTimeout", Durations.format(spec.drainTimeout()));
        Set<EndpointAddress> present = spec.allEndpoints();
        ObjectNode settings = MAPPER.createObjectNode();
        spec.endpointSettings().forEach((a, es) -> {
            if (present.contains(a)) {
                ObjectNode e = settings.putObject(a.toString());
                writeHealth(e.putObject("health"), es.health());
                e.put("drainTimeout", Durations.format(es.drainTimeout()));
                es.version().ifPresent(v -> e.put("version", v));
                if (es.protocol() != BackendProtocol.HTTP1) {
                    e.put("protocol", es.protocol().id());
                }
            }
        });
        if (!settings.isEmpty()) {
            n.set("endpointSettings", settings);
        }
        if (!spec.mirror().isNone()) {
            n.putObject("mirror").put("weight", spec.mirror().weight()).put("allMethods", spec.mirror().allMethods());
        }
        HttpsPolicy https = spec.https();
        if (!https.isNone()) {
            ObjectNode h = n.putObject("https").put("redirect", https.redirect());
            https.hstsMaxAge().ifPresent(d -> h.putObject("hsts").put("maxAge", Durations.format(d)).put("includeSubDomains", https.hstsSubdomains()));
        }
        return n;
    }

    private static void writeHealth(ObjectNode h, HealthCheck health) {
        if (health.isGrpc()) {
            h.put("grpc", health.grpcService());
        } else if (health.path() != null) {
            h.put("path", health.path());
        }
        h.put("interval", Durations.format(health.interval()));
        h.put("timeout", Durations.format(health.timeout()));
        h.put("healthyThreshold", health.healthyThreshold());
        h.put("unhealthyThreshold", health.unhealthyThreshold());
    }

    /** Escapes a field name for use in a JSON pointer (RFC 6901). */
    public static String escape(String field) {
        return field.replace("~", "~0").replace("/", "~1");
    }
}
