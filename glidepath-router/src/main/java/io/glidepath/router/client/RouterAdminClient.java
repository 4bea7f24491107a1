package io.glidepath.router.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.analysis.ClientOutcome;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.FieldError;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Track;
import io.glidepath.router.metrics.SlowerThan;
import io.glidepath.spec.Durations;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Java client of the router's admin API, for the engine and the CLI. Each change can name the
 * generation it was computed from; the router refuses it (409) when the route moved on since.
 */
public final class RouterAdminClient {
    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;
    /**
     * How long a refused connection is tried again: longer than a planned restart's gap at the admin port
     * (over 2 s on a 2-core host running the whole test suite).
     */
    static final Duration REFUSED_RETRY = Duration.ofSeconds(5);
    private static final long REFUSED_PAUSE_NANOS = 25_000_000L;
    /** The methods asked again when the connection closes before the answer: PATCH and POST are not. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE");

    public RouterAdminClient(URI base, String token) {
        this(base, token, Duration.ofSeconds(10));
    }

    public RouterAdminClient(URI base, String token, Duration timeout) {
        this.base = base;
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** Where this client calls the admin API. */
    public URI base() {
        return base;
    }

    /** A client for a router whose admin API is at {@code host:port}, with the token read from a file. */
    public static RouterAdminClient of(String host, int port, Path tokenFile) throws IOException {
        return new RouterAdminClient(URI.create("http://" + host + ":" + port), Files.readString(tokenFile).strip());
    }

    public long health() throws RouterAdminException {
        return call("GET", "/v1/health", null, OptionalLong.empty()).path("generation").asLong();
    }

    public List<RouteState> routes() throws RouterAdminException {
        List<RouteState> out = new ArrayList<>();
        for (JsonNode r : call("GET", "/v1/routes", null, OptionalLong.empty()).path("routes")) {
            out.add(readState(r));
        }
        return out;
    }

    public Optional<RouteState> route(String name) throws RouterAdminException {
        try {
            return Optional.of(readState(call("GET", "/v1/routes/" + name, null, OptionalLong.empty())));
        } catch (RouterAdminException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Creates or replaces a route; {@code expectedGeneration} 0 means "must not exist yet". */
    public RouteState put(RouteSpec spec, OptionalLong expectedGeneration) throws RouterAdminException {
        ObjectNode body = RouteJson.writeSpec(spec);
        return readState(call("PUT", "/v1/routes/" + spec.name(), body, expectedGeneration));
    }

    public RouteState setWeight(String route, int weight, OptionalLong expectedGeneration) throws RouterAdminException {
        ObjectNode body = RouteJson.MAPPER.createObjectNode().put("canaryWeight", weight);
        return readState(call("PATCH", "/v1/routes/" + route + "/weight", body, expectedGeneration));
    }

    public RouteState drain(String route, Collection<EndpointAddress> endpoints, OptionalLong expectedGeneration) throws RouterAdminException {
        ObjectNode body = RouteJson.MAPPER.createObjectNode();
        endpoints.forEach(e -> body.withArray("endpoints").add(e.toString()));
        return readState(call("POST", "/v1/routes/" + route + "/drain", body, expectedGeneration));
    }

    public long delete(String route, OptionalLong expectedGeneration) throws RouterAdminException {
        return call("DELETE", "/v1/routes/" + route, null, expectedGeneration).path("generation").asLong();
    }

    public List<EndpointStatus> endpoints(String route) throws RouterAdminException {
        List<EndpointStatus> out = new ArrayList<>();
        for (JsonNode e : call("GET", "/v1/routes/" + route + "/endpoints", null, OptionalLong.empty()).path("endpoints")) {
            out.add(new EndpointStatus(EndpointAddress.parse(e.path("address").asText()).orElseThrow(),
                    e.path("track").isNull() ? Optional.empty() : Track.fromId(e.path("track").asText()),
                    e.path("phase").asText(), e.path("health").asText(), e.path("ejected").asBoolean(),
                    e.path("inflight").asInt(), e.path("cut").asInt()));
        }
        return out;
    }

    public RouteStats stats(String route, Duration window) throws RouterAdminException {
        return stats(route, window, List.of());
    }

    /** Figures over the last {@code window}, with latency at each of {@code percentiles} too. */
    public RouteStats stats(String route, Duration window, Collection<Double> percentiles) throws RouterAdminException {
        return stats(route, window, percentiles, List.of());
    }

    /**
     * Figures over the last {@code window}, with latency at each of {@code percentiles}, and how many
     * requests took longer than each of {@code slowerThan} (at most {@link SlowerThan#MAX}, each above 0 and
     * below {@link SlowerThan#LIMIT}; counted to the microsecond, see docs/router.md for the precision).
     */
    public RouteStats stats(String route, Duration window, Collection<Double> percentiles, Collection<Duration> slowerThan)
            throws RouterAdminException {
        return stats(route, window, OptionalLong.empty(), percentiles, slowerThan);
    }

    /**
     * As {@link #stats(String, Duration, Collection, Collection)}; with {@code fromSecond}, the whole
     * seconds from it (an epoch second, such as the last answer's {@link RouteStats#toSecond()}) up to the
     * router's current one instead of the last {@code window}.
     */
    public RouteStats stats(String route, Duration window, OptionalLong fromSecond, Collection<Double> percentiles, Collection<Duration> slowerThan)
            throws RouterAdminException {
        return stats(route, window, fromSecond, percentiles, slowerThan, false);
    }

    /** As above; with {@code histograms}, each track's latency histogram too ({@link TrafficStats#latency()}). */
    public RouteStats stats(String route, Duration window, OptionalLong fromSecond, Collection<Double> percentiles, Collection<Duration> slowerThan,
                            boolean histograms) throws RouterAdminException {
        StringBuilder q = new StringBuilder("?window=").append(Durations.format(window));
        if (histograms) {
            q.append("&histogram=true");
        }
        fromSecond.ifPresent(f -> q.append("&from=").append(f));
        if (!percentiles.isEmpty()) {
            q.append("&percentiles=").append(String.join(",", percentiles.stream().map(String::valueOf).toList()));
        }
        // each limit under the key the router answers it by; limits equal to the microsecond share one count
        Map<String, List<Duration>> asked = new LinkedHashMap<>();
        slowerThan.forEach(d -> asked.computeIfAbsent(SlowerThan.key(d), k -> new ArrayList<>()).add(d));
        if (!asked.isEmpty()) {
            q.append("&slowerThan=").append(String.join(",", asked.keySet()));
        }
        JsonNode n = call("GET", "/v1/routes/" + route + "/stats" + q, null, OptionalLong.empty());
        Map<Track, TrafficStats> tracks = new EnumMap<>(Track.class);
        for (Track t : Track.values()) {
            tracks.put(t, readStats(n.path("tracks").path(t.id()), asked));
        }
        Map<Track, TrafficStats> overridden = new EnumMap<>(Track.class);
        for (Track t : List.of(Track.STABLE, Track.CANARY)) {
            overridden.put(t, readStats(n.path("overridden").path(t.id()), asked));
        }
        Map<String, TrafficStats> endpoints = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.path("endpoints").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            endpoints.put(e.getKey(), readStats(e.getValue(), asked));
        }
        return new RouteStats(n.path("route").asText(), n.path("generation").asLong(), n.path("canaryWeight").asInt(),
                n.path("windowSeconds").asInt(), tracks, overridden, readStats(n.path("shieldAnswers"), asked), endpoints,
                n.path("clientShare").isNumber() ? OptionalDouble.of(n.path("clientShare").asDouble()) : OptionalDouble.empty(),
                n.path("toSecond").asLong(0), readStats(n.path("shadow"), asked), revealedClients(n.path("revealedClients")));
    }

    /** The split's clients the router revealed ([level, on canary, chance, requests, errors] each), or empty from a router that does not. */
    private static Optional<List<ClientOutcome>> revealedClients(JsonNode a) {
        if (!a.isArray()) {
            return Optional.empty();
        }
        List<ClientOutcome> out = new ArrayList<>();
        for (JsonNode c : a) {
            try {
                out.add(new ClientOutcome(c.path(0).asInt(), c.path(1).asInt() == 1, c.path(2).asDouble(), c.path(3).asLong(), c.path(4).asLong()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("the router revealed a client this client cannot read (" + c + "): " + e.getMessage(), e);
            }
        }
        return Optional.of(out);
    }

    /** The HTTPS listener's certificates ({@code GET /v1/certificates}): {@code tls} false when the router has no HTTPS listener. */
    public JsonNode certificates() throws RouterAdminException {
        return call("GET", "/v1/certificates", null, OptionalLong.empty());
    }

    /** Prometheus text from {@code /metrics}. */
    public String metrics() throws RouterAdminException {
        return send("GET", "/metrics", null, OptionalLong.empty()).body();
    }

    private static TrafficStats readStats(JsonNode s, Map<String, List<Duration>> asked) {
        JsonNode st = s.path("status");
        JsonNode l = s.path("latencyMillis");
        return new TrafficStats(s.path("requests").asLong(), s.path("errorRate").asDouble(), st.path("2xx").asLong(),
                st.path("4xx").asLong(), st.path("5xx").asLong(), s.path("connectFailures").asLong(), s.path("shielded").asLong(),
                s.path("cut").asLong(), l.path("p50").asDouble(), l.path("p90").asDouble(), l.path("p99").asDouble(), l.path("max").asDouble(),
                latencyAt(l.path("at")), slowerThan(s.path("slowerThan"), asked),
                s.path("firstClientErrors").isIntegralNumber() ? OptionalLong.of(s.path("firstClientErrors").asLong()) : OptionalLong.empty(),
                histogram(s.path("latencyHistogram")));
    }

    private static Optional<Histogram> histogram(JsonNode encoded) {
        if (!encoded.isTextual()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(encoded.asText())), 0));
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new IllegalStateException("the router answered a latency histogram this client cannot read: " + e.getMessage(), e);
        }
    }

    /** The counts by the durations the caller asked about (the router answers by {@link SlowerThan#key}). */
    private static Map<Duration, Long> slowerThan(JsonNode counts, Map<String, List<Duration>> asked) {
        Map<Duration, Long> m = new LinkedHashMap<>();
        asked.forEach((key, limits) -> {
            JsonNode c = counts.path(key);
            if (c.isIntegralNumber()) {
                limits.forEach(d -> m.put(d, c.asLong()));
            }
        });
        return m;
    }

    private static Map<Double, Double> latencyAt(JsonNode at) {
        Map<Double, Double> m = new LinkedHashMap<>();
        at.fields().forEachRemaining(e -> m.put(Double.parseDouble(e.getKey()), e.getValue().asDouble()));
        return m;
    }

    private static RouteState readState(JsonNode n) throws RouterAdminException {
        try {
            return new RouteState(RouteJson.readSpec(n.path("name").asText(), n), n.path("generation").asLong(), n.path("previewKey").asText());
        } catch (InvalidRouteException e) {
            throw new RouterAdminException(200, "the router answered a route this client cannot read: " + e.getMessage(), e.errors(), e);
        }
    }

    private JsonNode call(String method, String path, JsonNode body, OptionalLong ifMatch) throws RouterAdminException {
        HttpResponse<String> r = send(method, path, body, ifMatch);
        try {
            return RouteJson.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new RouterAdminException(r.statusCode(), "the router's answer to " + method + " " + path + " is not JSON", List.of(), e);
        }
    }

    private HttpResponse<String> send(String method, String path, JsonNode body, OptionalLong ifMatch) throws RouterAdminException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        ifMatch.ifPresent(g -> b.header("If-Match", "\"" + g + "\""));
        HttpResponse<String> r;
        long refusedUntil = System.nanoTime() + REFUSED_RETRY.toNanos();
        while (true) {
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                break;
            } catch (ConnectException e) {
                // refused: nothing was sent, so asking again is safe; a router handing over to its successor
                // (a planned restart) closes the admin port a moment before the successor opens it
                if (System.nanoTime() > refusedUntil) {
                    throw unreachable(e);
                }
                LockSupport.parkNanos(REFUSED_PAUSE_NANOS);
            } catch (HttpTimeoutException e) {
                throw unreachable(e); // asking again would double the wait the caller set
            } catch (IOException e) {
                // the connection closed before an answer: a kept-alive one the router closed as it handed
                // over, the request perhaps already on its way; only a request that may be repeated
                // (RFC 9110, 9.2.2) is asked again, as the JDK's and Go's clients do with GET
                if (!IDEMPOTENT.contains(method) || System.nanoTime() > refusedUntil) {
                    throw unreachable(e);
                }
                LockSupport.parkNanos(REFUSED_PAUSE_NANOS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RouterAdminException(0, "interrupted while calling the router", List.of(), e);
            }
        }
        if (r.statusCode() >= 400) {
            throw failure(method, path, r);
        }
        return r;
    }

    private RouterAdminException unreachable(IOException e) {
        String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return new RouterAdminException(0, "router admin API at " + base + " is unreachable: " + why, List.of(), e);
    }

    private static RouterAdminException failure(String method, String path, HttpResponse<String> r) {
        String message = "router refused " + method + " " + path + " (" + r.statusCode() + ")";
        List<FieldError> errors = new ArrayList<>();
        try {
            JsonNode n = RouteJson.MAPPER.readTree(r.body());
            message = message + ": " + n.path("error").asText();
            for (JsonNode e : n.path("errors")) {
                errors.add(new FieldError(e.path("pointer").asText(), e.path("message").asText()));
            }
            if (!errors.isEmpty()) {
                message = message + " " + errors;
            }
        } catch (IOException ignored) {
            // the status says enough
        }
        return new RouterAdminException(r.statusCode(), message, errors, null);
    }
}
