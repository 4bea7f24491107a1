package io.glidepath.router.admin;

import static io.glidepath.api.JsonApi.error;
import static io.glidepath.api.JsonApi.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.analysis.ClientOutcome;
import io.glidepath.api.Failures;
import io.glidepath.api.JsonApi;
import io.glidepath.api.JsonBodies;
import io.glidepath.api.VertxServers;
import io.glidepath.auth.BearerToken;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.InvalidRouteException;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.RouteState;
import io.glidepath.route.Track;
import io.glidepath.router.endpoint.Endpoint;
import io.glidepath.router.metrics.MetricSeries;
import io.glidepath.router.metrics.RouterMetrics;
import io.glidepath.router.metrics.SlowerThan;
import io.glidepath.router.metrics.WindowStats;
import io.glidepath.router.route.ActiveRoute;
import io.glidepath.router.route.RouteRegistry;
import io.glidepath.router.acme.AcmeCertificates;
import io.glidepath.router.acme.NameStatus;
import io.glidepath.router.tls.Certificates;
import io.glidepath.router.route.RouteRegistry.StaleGenerationException;
import io.glidepath.router.route.RouteRegistry.UnknownRouteException;
import io.glidepath.router.route.RouteRuntime;
import io.glidepath.spec.Durations;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's admin API (JSON over HTTP, Vert.x Web). Every call needs the bearer token. Changes
 * may carry the route's generation in {@code If-Match}; a stale one gets 409. Bad bodies get 400 with
 * the JSON pointer of each bad field. A change is on disk before its response is sent.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final int BODY_LIMIT = 1 << 20;

    private final Vertx vertx;
    private final RouteRegistry registry;
    private final BearerToken token;
    private final RouterMetrics metrics;
    private final Optional<Certificates> certificates;
    private final Optional<AcmeCertificates> acme;
    private final Optional<String> routesFrom;
    private final BooleanSupplier routesLoaded;
    private HttpServer server;

    /**
     * The admin API's Vert.x, made and warmed (its classes loaded, a web router built) before the router
     * has its routes: seconds on a busy host, which a router taking over from another (a planned restart)
     * spends while it waits for the state directory instead of while the admin port is closed.
     */
    public static Vertx runtime() {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(4));
        Router warm = Router.router(vertx);
        warm.route().handler(JsonBodies.handler(BODY_LIMIT));
        warm.get("/v1/routes/:name").handler(ctx -> ctx.response().end());
        vertx.createHttpServer().requestHandler(warm);
        RouteJson.MAPPER.createObjectNode().put("warm", true).toString();
        return vertx;
    }

    /**
     * @param routesFrom where the routes come from when not from this API (a router in Kubernetes mode
     *                   reads the cluster's route objects): then every change through the API is refused
     *                   with that, since a replica changed alone would disagree with the others
     * @param certificates the HTTPS listener's, which {@code GET /v1/certificates} lists
     * @param routesLoaded until true, {@code /v1/health} answers 503: a replica that has not yet read the
     *                     routes must not be counted ready (nor take users' traffic)
     * @param acme the ACME client, whose names {@code GET /v1/certificates} lists with their state
     * @param vertx from {@link #runtime()}; closed with this server
     */
    public AdminServer(RouteRegistry registry, BearerToken token, RouterMetrics metrics, Optional<String> routesFrom,
                       BooleanSupplier routesLoaded, Optional<Certificates> certificates, Optional<AcmeCertificates> acme, Vertx vertx) {
        this.certificates = certificates;
        this.acme = acme;
        this.vertx = vertx;
        this.registry = registry;
        this.token = token;
        this.metrics = metrics;
        this.routesFrom = routesFrom;
        this.routesLoaded = routesLoaded;
    }

    public InetSocketAddress start(String host, int port) throws IOException {
        Router r = Router.router(vertx);
        // for a kubelet's readiness probe, which carries no token: ready or not, nothing more
        r.get("/ready").handler(ctx -> ctx.response().setStatusCode(routesLoaded.getAsBoolean() ? 200 : 503)
                .putHeader("Content-Type", "text/plain; charset=utf-8").end(routesLoaded.getAsBoolean() ? "ready\n" : "loading routes\n"));
        r.route().handler(this::authenticate);
        r.route().handler(JsonBodies.handler(BODY_LIMIT));
        r.get("/v1/health").handler(this::health);
        r.get("/v1/routes").handler(this::listRoutes);
        r.get("/v1/routes/:name").handler(this::getRoute);
        if (routesFrom.isPresent()) {
            String refusal = "this router takes its routes from " + routesFrom.get() + ", as every replica does: change them there "
                    + "(the Glidepath server does), never one replica alone";
            r.put("/v1/routes/:name").handler(ctx -> error(ctx, 405, refusal));
            r.delete("/v1/routes/:name").handler(ctx -> error(ctx, 405, refusal));
            r.patch("/v1/routes/:name/weight").handler(ctx -> error(ctx, 405, refusal));
            r.post("/v1/routes/:name/drain").handler(ctx -> error(ctx, 405, refusal));
        } else {
            r.put("/v1/routes/:name").handler(this::putRoute);
            r.delete("/v1/routes/:name").handler(this::deleteRoute);
            r.patch("/v1/routes/:name/weight").handler(this::setWeight);
            r.post("/v1/routes/:name/drain").handler(this::drain);
        }
        r.get("/v1/certificates").handler(this::certificates);
        r.get("/v1/routes/:name/endpoints").handler(this::endpoints);
        r.get("/v1/routes/:name/stats").handler(this::stats);
        r.get("/metrics").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()));
        r.route().last().handler(ctx -> error(ctx, 404, "no such admin endpoint: " + ctx.request().method() + " " + ctx.request().path()
                + "; see docs/router.md for the API"));
        r.route().failureHandler(Failures.handler(log, "admin API", "request body is larger than " + BODY_LIMIT + " bytes"));
        server = VertxServers.await(vertx.createHttpServer().requestHandler(r).listen(port, host), "the admin API did not start");
        InetSocketAddress bound = new InetSocketAddress(host, server.actualPort());
        log.info("admin API listening on {}", bound);
        return bound;
    }

    // --- handlers ------------------------------------------------------------------------------------

    private void authenticate(RoutingContext ctx) {
        if (token.accepts(ctx.request().getHeader("Authorization"))) {
            ctx.next();
            return;
        }
        JsonApi.unauthorized(ctx, "glidepath-router",
                "missing or wrong bearer token: send 'Authorization: Bearer <token>' with the token from the router's admin.token file");
    }

    private void health(RoutingContext ctx) {
        ObjectNode n = RouteJson.MAPPER.createObjectNode();
        boolean loaded = routesLoaded.getAsBoolean();
        n.put("status", loaded ? "ok" : "loading routes");
        n.put("generation", registry.table().generation());
        n.put("routes", registry.table().routes().size());
        routesFrom.ifPresent(f -> n.put("routesFrom", f));
        json(ctx, loaded ? 200 : 503, n);
    }

    /** The HTTPS listener's certificates: names, expiry, issuer, and why a file does not load. */
    private void certificates(RoutingContext ctx) {
        ObjectNode n = RouteJson.MAPPER.createObjectNode();
        n.put("tls", certificates.isPresent());
        certificates.ifPresent(c -> {
            Certificates.View v = c.view();
            n.put("directory", c.directory().toString());
            c.directories().forEach(d -> n.withArray("directories").add(d.toString()));
            n.put("provider", c.provider());
            v.defaultFile().ifPresent(f -> n.put("default", f));
            ArrayNode a = n.putArray("certificates");
            for (Certificates.Loaded l : v.certificates()) {
                ObjectNode o = a.addObject();
                o.put("file", l.file());
                l.names().forEach(o.withArray("names")::add);
                if (l.notAfter() != null) {
                    o.put("notAfter", l.notAfter().toString());
                    o.put("issuer", l.issuer());
                }
                o.put("directory", l.directory().toString());
                l.error().ifPresent(e -> o.put("error", e));
            }
        });
        acme.ifPresent(a -> {
            ObjectNode o = n.putObject("acme");
            o.put("directory", a.settings().directory().toString());
            ArrayNode names = o.putArray("names");
            for (NameStatus s : a.names()) {
                ObjectNode x = names.addObject();
                x.put("name", s.name());
                x.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
                s.certificate().ifPresent(c -> {
                    x.put("notAfter", c.notAfter().toString());
                    x.put("renewAt", c.renewAt().toString());
                    x.put("serial", c.serial());
                });
                x.put("failures", s.failures());
                s.reason().ifPresent(r -> x.put("reason", r));
                s.nextAttempt().ifPresent(t -> x.put("nextAttempt", t.toString()));
            }
        });
        json(ctx, 200, n);
    }

    private void listRoutes(RoutingContext ctx) {
        ObjectNode n = RouteJson.MAPPER.createObjectNode();
        n.put("generation", registry.table().generation());
        ArrayNode a = n.putArray("routes");
        registry.list().forEach(s -> a.add(RouteJson.write(s)));
        json(ctx, 200, n);
    }

    private void getRoute(RoutingContext ctx) {
        blocking(ctx, () -> registry.get(ctx.pathParam("name")), s -> routeResponse(ctx, 200, s));
    }

    private void putRoute(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        Optional<OptionalLong> expected = ifMatch(ctx);
        Optional<JsonNode> body = JsonBodies.read(ctx, null);
        if (expected.isEmpty() || body.isEmpty()) {
            return;
        }
        RouteSpec spec;
        try {
            spec = RouteJson.readSpec(name, body.get());
        } catch (InvalidRouteException e) {
            JsonApi.fieldErrors(ctx, e.errors());
            return;
        }
        boolean existed = registry.table().route(name) != null;
        blocking(ctx, () -> registry.put(spec, expected.get()), s -> routeResponse(ctx, existed ? 200 : 201, s));
    }

    private void setWeight(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        Optional<OptionalLong> expected = ifMatch(ctx);
        Optional<JsonNode> body = JsonBodies.read(ctx, null);
        if (expected.isEmpty() || body.isEmpty()) {
            return;
        }
        int weight;
        try {
            weight = RouteJson.readWeight(body.get());
        } catch (InvalidRouteException e) {
            JsonApi.fieldErrors(ctx, e.errors());
            return;
        }
        blocking(ctx, () -> registry.setWeight(name, weight, expected.get()), s -> routeResponse(ctx, 200, s));
    }

    private void drain(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        Optional<OptionalLong> expected = ifMatch(ctx);
        Optional<JsonNode> body = JsonBodies.read(ctx, null);
        if (expected.isEmpty() || body.isEmpty()) {
            return;
        }
        Set<EndpointAddress> endpoints;
        try {
            endpoints = RouteJson.readDrain(body.get());
        } catch (InvalidRouteException e) {
            JsonApi.fieldErrors(ctx, e.errors());
            return;
        }
        blocking(ctx, () -> registry.drain(name, endpoints, expected.get()), s -> routeResponse(ctx, 200, s));
    }

    private void deleteRoute(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        Optional<OptionalLong> expected = ifMatch(ctx);
        if (expected.isEmpty()) {
            return;
        }
        blocking(ctx, () -> registry.delete(name, expected.get()), g -> {
            ObjectNode n = RouteJson.MAPPER.createObjectNode();
            n.put("deleted", name);
            n.put("generation", g);
            json(ctx, 200, n);
        });
    }

    private void endpoints(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        ActiveRoute route = registry.table().route(name);
        RouteRuntime rt = route != null ? route.runtime()
                : registry.runtimes().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        if (rt == null) {
            error(ctx, 404, "route '" + name + "' does not exist");
            return;
        }
        ObjectNode n = RouteJson.MAPPER.createObjectNode();
        n.put("route", name);
        n.put("generation", route == null ? -1 : route.state().generation());
        ArrayNode a = n.putArray("endpoints");
        long now = System.nanoTime();
        rt.endpoints().stream().sorted(Comparator.comparing(e -> e.address().toString())).forEach(e -> {
            ObjectNode o = a.addObject();
            o.put("address", e.address().toString());
            Track track = route == null ? null : trackOf(route, e);
            if (track != null) {
                o.put("track", track.id());
            } else {
                o.putNull("track");
            }
            o.put("phase", e.phase().name().toLowerCase());
            o.put("draining", e.isDraining());
            o.put("health", e.health().name().toLowerCase());
            o.put("ejected", e.isEjected(now));
            o.put("inflight", e.inflight());
            o.put("cut", e.cutRequests());
        });
        json(ctx, 200, n);
    }

    private static Track trackOf(ActiveRoute route, Endpoint e) {
        for (Track t : Track.values()) {
            if (route.spec().endpoints(t).contains(e.address())) {
                return t;
            }
        }
        return null;
    }

    private void stats(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        ActiveRoute route = registry.table().route(name);
        if (route == null) {
            error(ctx, 404, "route '" + name + "' does not exist");
            return;
        }
        String w = ctx.request().getParam("window", "30s");
        Optional<Duration> window = Durations.parse(w);
        if (window.isEmpty() || window.get().toSeconds() < 1 || window.get().toSeconds() > MetricSeries.SECONDS) {
            error(ctx, 400, "query parameter window=" + w + " must be a duration from 1s to " + MetricSeries.SECONDS + "s, such as 30s or 5m");
            return;
        }
        int seconds = (int) window.get().toSeconds();
        double[] percentiles;
        List<Duration> slowerThan;
        try {
            percentiles = StatsQuery.percentiles(ctx.request().getParam("percentiles"));
            slowerThan = SlowerThan.parse(ctx.request().getParam("slowerThan"));
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        // histogram=true: each track's latency histogram too, which a reader of several replicas adds up
        boolean histograms = "true".equals(ctx.request().getParam("histogram"));
        RouteRuntime rt = route.runtime();
        long current = rt.metrics(Track.STABLE).currentSecond();
        OptionalLong from;
        try {
            from = StatsQuery.fromSecond(ctx.request().getParam("from"), current);
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        // from=S: the whole seconds since S up to the one running; a judge that reads on from where its
        // last read ended (toSecond) counts every request once, never twice
        Function<MetricSeries, WindowStats> over = from.isPresent() ? s -> s.seconds(from.getAsLong(), current, percentiles, slowerThan)
                : s -> s.window(window.get(), percentiles, slowerThan);
        ObjectNode n = RouteJson.MAPPER.createObjectNode();
        n.put("route", name);
        n.put("generation", route.state().generation());
        n.put("canaryWeight", route.canaryWeight());
        // a sticky split randomizes clients, not requests: the canary's share of them, and per split track the
        // clients whose first 5xx since the canary began came in the window (left out once the ledger is full)
        boolean countsClients = route.sticky();
        if (countsClients) {
            n.put("clientShare", route.canaryWeight() / (double) RouteSpec.FULL_WEIGHT);
        }
        boolean ledgerWhole = !route.clientErrors().full();
        if (countsClients) {
            // the split's clients revealed in the read's seconds, each [level, on canary (1/0), chance of the canary,
            // requests, errors]: a judge with clients as units bets on their tracks (docs/analysis.md, "Clients as units")
            route.clientReveals().sweep();
            long revealTo = from.isPresent() ? Math.max(from.getAsLong(), current) : current + 1;
            long revealFrom = from.isPresent() ? from.getAsLong() : revealTo - seconds;
            ArrayNode revealed = n.putArray("revealedClients");
            for (ClientOutcome c : route.clientReveals().seconds(revealFrom, revealTo)) {
                revealed.addArray().add(c.level()).add(c.canary() ? 1 : 0).add(c.canaryChance()).add(c.requests()).add(c.errors());
            }
        }
        // a trailing window holds the running second (toSecond is the one after it); from there on, whole seconds
        n.put("windowSeconds", from.isPresent() ? (int) Math.max(0, current - from.getAsLong()) : seconds);
        n.put("toSecond", from.isPresent() ? Math.max(from.getAsLong(), current) : current + 1);
        ObjectNode tracks = n.putObject("tracks");
        for (Track t : Track.values()) {
            ObjectNode o = tracks.putObject(t.id());
            WindowStats s = over.apply(rt.metrics(t));
            writeStats(o, s);
            if (histograms) {
                o.put("latencyHistogram", s.encodedLatency());
            }
            if (countsClients && ledgerWhole && t != Track.PREVIEW) {
                o.put("firstClientErrors", s.firstClientErrors());
            }
        }
        // counted apart from the split's tracks, so that a judge reading stable and canary reads users' traffic only
        ObjectNode overridden = n.putObject("overridden");
        for (Track t : RouteRuntime.OVERRIDABLE) {
            writeStats(overridden.putObject(t.id()), over.apply(rt.overridden(t)));
        }
        writeStats(n.putObject("shieldAnswers"), over.apply(rt.shieldAnswers()));
        writeStats(n.putObject("shadow"), over.apply(rt.shadow())); // copies mirrored to the canary: what a judge reads before any user is served by it
        ObjectNode eps = n.putObject("endpoints");
        rt.endpoints().stream().sorted(Comparator.comparing(e -> e.address().toString()))
                .forEach(e -> writeStats(eps.putObject(e.address().toString()), over.apply(e.metrics())));
        json(ctx, 200, n);
    }

    private static void writeStats(ObjectNode o, WindowStats s) {
        o.put("requests", s.requests());
        o.put("errorRate", s.errorRate());
        ObjectNode st = o.putObject("status");
        st.put("1xx", s.status1xx());
        st.put("2xx", s.status2xx());
        st.put("3xx", s.status3xx());
        st.put("4xx", s.status4xx());
        st.put("5xx", s.status5xx());
        o.put("connectFailures", s.connectFailures());
        o.put("shielded", s.shielded());
        o.put("cut", s.cut());
        ObjectNode l = o.putObject("latencyMillis");
        l.put("p50", s.p50Millis());
        l.put("p90", s.p90Millis());
        l.put("p99", s.p99Millis());
        l.put("max", s.maxMillis());
        if (!s.latencyAt().isEmpty()) {
            ObjectNode at = l.putObject("at");
            s.latencyAt().forEach((p, v) -> at.put(String.valueOf(p), v));
        }
        if (!s.slowerThan().isEmpty()) {
            ObjectNode slower = o.putObject("slowerThan");
            new TreeMap<>(s.slowerThan()).forEach((limit, count) -> slower.put(SlowerThan.key(limit), count));
        }
    }

    // --- plumbing ------------------------------------------------------------------------------------

    /** Runs a registry call off the event loop (it writes and fsyncs the state file) and maps its errors. */
    private <T> void blocking(RoutingContext ctx, Callable<T> call, Consumer<T> ok) {
        vertx.executeBlocking(call).onComplete(ar -> {
            if (ar.succeeded()) {
                ok.accept(ar.result());
                return;
            }
            Throwable f = ar.cause();
            if (f instanceof UnknownRouteException) {
                error(ctx, 404, f.getMessage());
            } else if (f instanceof StaleGenerationException) {
                error(ctx, 409, f.getMessage());
            } else if (f instanceof InvalidRouteException e) {
                JsonApi.fieldErrors(ctx, e.errors());
            } else {
                log.error("admin change failed", f);
                error(ctx, 500, "the change was not applied: " + Failures.describe(f));
            }
        });
    }

    private void routeResponse(RoutingContext ctx, int status, RouteState s) {
        ctx.response().putHeader("ETag", "\"" + s.generation() + "\"");
        json(ctx, status, RouteJson.write(s));
    }

    /** The expected generation from If-Match; empty Optional when the header was bad (already answered). */
    private Optional<OptionalLong> ifMatch(RoutingContext ctx) {
        String h = ctx.request().getHeader("If-Match");
        if (h == null || h.isBlank()) {
            return Optional.of(OptionalLong.empty());
        }
        String v = h.trim();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        try {
            long g = Long.parseLong(v);
            if (g >= 0) {
                return Optional.of(OptionalLong.of(g));
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        error(ctx, 400, "header If-Match: " + h + " must be the route's generation, such as If-Match: 7 (0 when the route must not exist yet)");
        return Optional.empty();
    }

    /**
     * Stops taking connections (the port is free for a successor at once) and lets the calls in flight
     * finish, up to {@code grace}. {@link #close} still has to follow.
     */
    public void shutdown(java.time.Duration grace) {
        if (server == null) {
            return;
        }
        try {
            VertxServers.await(server.shutdown(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS), "stopping the admin API");
        } catch (IOException e) {
            log.warn("admin API did not stop cleanly", e);
        }
    }

    @Override
    public void close() {
        try {
            VertxServers.close(server, vertx);
        } catch (IOException e) {
            log.warn("admin API did not close cleanly", e);
        }
    }
}
