package io.glidepath.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.glidepath.engine.Engine;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.engine.ReleaseExistsException;
import io.glidepath.engine.ServiceBusyException;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.ServiceStatus;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.router.admin.JsonApi;
import io.glidepath.server.access.AccessStore;
import io.glidepath.server.access.AuditEntry;
import io.glidepath.server.access.Caller;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.TokenRecord;
import io.glidepath.server.access.Tokens;
import io.glidepath.server.metrics.ServerMetrics;
import io.glidepath.server.dashboard.DashboardFiles;
import io.glidepath.server.live.LiveFeed;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteState;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.ServiceSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.journal.StoredEvent;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's REST and SSE API (Vert.x Web). Every call needs a bearer token whose role allows it
 * (viewer reads, deployer deploys, admin manages tokens); every call that changes something is
 * written to the audit log with the token's name and how it ended. A release is
 * submitted as its file's text (YAML or JSON); invalid files get 400 with the same located errors
 * as {@code glidepath validate}; a busy service gets 409 naming the release that holds it.
 * {@code GET /v1/live} streams the live view's snapshots; the web dashboard's static files are
 * served without a token, everything else needs one.
 */
public final class ServerApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerApi.class);
    public static final String FILE_HEADER = "X-Glidepath-File";
    public static final String BASE_DIR_HEADER = "X-Glidepath-Base-Dir";
    public static final String USER_HEADER = "X-Glidepath-User";

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(8));
    private final Engine engine;
    private final Store store;
    private final Platform platform;
    private final TrafficRouter router;
    private static final String CALLER = "glidepath.caller";
    private static final String AUDIT_TARGET = "glidepath.audit.target";
    private static final String AUDIT_RESULT = "glidepath.audit.result";

    private final AccessStore access;
    private final Tokens tokens;
    private final ServerMetrics metrics;
    private final LiveFeed live;
    private final DashboardFiles dashboard;
    private HttpServer server;

    public ServerApi(Engine engine, Store store, AccessStore access, Platform platform, TrafficRouter router, Tokens tokens, LiveFeed live,
                     DashboardFiles dashboard, ServerMetrics metrics) {
        this.metrics = metrics;
        this.engine = engine;
        this.store = store;
        this.access = access;
        this.platform = platform;
        this.router = router;
        this.tokens = tokens;
        this.live = live;
        this.dashboard = dashboard;
    }

    public InetSocketAddress start(String host, int port) throws IOException {
        Router r = Router.router(vertx);
        // the dashboard's static files need no token (they hold no data); everything after this does
        dashboard.mount(r);
        r.route().handler(ctx -> {
            ctx.response().putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        });
        r.route().handler(this::authenticate);
        r.route().handler(BodyHandler.create().setBodyLimit(4 << 20).setHandleFileUploads(false));
        r.get("/metrics").handler(need(Role.VIEWER)).handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .putHeader("Cache-Control", "no-store").end(metrics.scrape()));
        r.get("/v1/health").handler(need(Role.VIEWER)).handler(ctx -> json(ctx, 200, Json.object().put("status", "ok")));
        r.get("/v1/whoami").handler(need(Role.VIEWER)).handler(this::whoami);
        r.post("/v1/releases").handler(audited("release.submit")).handler(need(Role.DEPLOYER)).handler(this::submit);
        r.get("/v1/releases").handler(need(Role.VIEWER)).handler(this::list);
        r.get("/v1/releases/:id").handler(need(Role.VIEWER)).handler(this::get);
        r.get("/v1/releases/:id/events").handler(need(Role.VIEWER)).handler(this::events);
        r.get("/v1/releases/:id/stream").handler(need(Role.VIEWER)).handler(this::stream);
        r.post("/v1/releases/:id/promote").handler(audited("release.promote")).handler(need(Role.DEPLOYER)).handler(ctx -> control(ctx, true));
        r.post("/v1/releases/:id/abort").handler(audited("release.abort")).handler(need(Role.DEPLOYER)).handler(ctx -> control(ctx, false));
        r.get("/v1/services").handler(need(Role.VIEWER)).handler(this::services);
        r.get("/v1/live").handler(need(Role.VIEWER)).handler(this::live);
        r.post("/v1/tokens").handler(audited("token.create")).handler(need(Role.ADMIN)).handler(this::createToken);
        r.get("/v1/tokens").handler(need(Role.ADMIN)).handler(this::listTokens);
        r.delete("/v1/tokens/:name").handler(audited("token.revoke")).handler(need(Role.ADMIN)).handler(this::revokeToken);
        r.get("/v1/audit").handler(need(Role.ADMIN)).handler(this::audit);
        r.route().last().handler(ctx -> error(ctx, 404, "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
        r.errorHandler(500, ctx -> {
            log.error("API failure on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
            error(ctx, 500, "internal error: " + (ctx.failure() == null ? "unknown" : ctx.failure().getMessage()));
        });
        r.errorHandler(413, ctx -> error(ctx, 413, "the release file is larger than 4 MiB"));
        server = JsonApi.await(vertx.createHttpServer().requestHandler(r).listen(port, host), "the API did not start");
        return new InetSocketAddress(host, server.actualPort());
    }

    // --- releases ------------------------------------------------------------------------------------

    private void submit(RoutingContext ctx) {
        String file = Optional.ofNullable(ctx.request().getHeader(FILE_HEADER)).filter(f -> !f.isBlank()).orElse("release.yaml");
        String baseDir = Optional.ofNullable(ctx.request().getHeader(BASE_DIR_HEADER)).orElse(System.getProperty("user.dir"));
        String user = caller(ctx).who();
        ctx.put(AUDIT_TARGET, file);
        String text = ctx.body() == null ? "" : ctx.body().asString();
        String queueParam = ctx.request().getParam("queue", "false");
        if (!queueParam.equals("true") && !queueParam.equals("false")) {
            error(ctx, 400, "query parameter queue must be true or false; got " + queueParam);
            return;
        }
        boolean queue = queueParam.equals("true");
        if (!Path.of(baseDir).isAbsolute()) {
            error(ctx, 400, "header " + BASE_DIR_HEADER + " must be an absolute directory; got " + baseDir);
            return;
        }
        blocking(ctx, () -> {
            ReleaseSpec spec = ReleaseReader.read(file, text);
            return withQueue(release(engine.submit(spec, file, text, Path.of(baseDir), user, queue)));
        }, rec -> {
            ctx.put(AUDIT_TARGET, rec.path("id").asText());
            ctx.put(AUDIT_RESULT, rec.path("state").asText("RUNNING"));
            ctx.response().putHeader("Location", "/v1/releases/" + rec.path("id").asText());
            json(ctx, 202, rec);
        });
    }

    private void list(RoutingContext ctx) {
        int limit;
        try {
            limit = Integer.parseInt(ctx.request().getParam("limit", "20"));
            if (limit < 1 || limit > 1000) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            error(ctx, 400, "query parameter limit must be a whole number from 1 to 1000");
            return;
        }
        String service = ctx.request().getParam("service");
        blocking(ctx, () -> store.releases(service == null ? limit : 1000).stream()
                .filter(r -> service == null || r.services().contains(service)).limit(limit).map(r -> withQueue(release(r))).toList(), list -> {
            ObjectNode n = Json.object();
            ArrayNode a = n.putArray("releases");
            list.forEach(a::add);
            json(ctx, 200, n);
        });
    }

    private void get(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        // the engine's answers (phases, queue) are read on a worker thread: the engine may be busy for a moment
        blocking(ctx, () -> store.release(id).map(rec -> {
            ObjectNode n = release(rec);
            ObjectNode phases = n.putObject("phases");
            // a running release's phases from the engine; a finished one's from its journal: how each service ended
            Map<String, ServiceStatus> now = engine.isRunning(id) || engine.isQueued(id) ? engine.phases(id)
                    : ReleaseHistory.of(store.events(id, 0)).statuses(rec.services());
            now.forEach((s, st) -> phases.putObject(s).put("wave", st.wave()).put("phase", st.phase().name()));
            return withQueue(n);
        }), r -> {
            if (r.isEmpty()) {
                error(ctx, 404, "no release " + id);
                return;
            }
            json(ctx, 200, r.get());
        });
    }

    private void events(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        long after = parseAfter(ctx);
        if (after < 0) {
            return;
        }
        blocking(ctx, () -> store.release(id).map(r -> store.events(id, after)), ev -> {
            if (ev.isEmpty()) {
                error(ctx, 404, "no release " + id);
                return;
            }
            ObjectNode n = Json.object();
            ArrayNode a = n.putArray("events");
            ev.get().forEach(e -> a.add(eventJson(e)));
            json(ctx, 200, n);
        });
    }

    private long parseAfter(RoutingContext ctx) {
        String a = Optional.ofNullable(ctx.request().getHeader("Last-Event-ID")).orElse(ctx.request().getParam("after", "0"));
        try {
            long v = Long.parseLong(a.trim());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        error(ctx, 400, "after (or Last-Event-ID) must be an event number, 0 or more; got " + a);
        return -1;
    }

    /**
     * Server-sent events: the journal from {@code after} on, then each new event as it happens, then
     * the stream ends with the release. Events that arrive during the replay are held and sent after it.
     */
    private void stream(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        long after = parseAfter(ctx);
        if (after < 0) {
            return;
        }
        Context c = vertx.getOrCreateContext();
        HttpServerResponse resp = ctx.response();
        SseState st = new SseState(after);
        Runnable[] unfollow = new Runnable[1];
        unfollow[0] = engine.follow(id, e -> c.runOnContext(v -> st.offer(e, resp, unfollow[0])));
        resp.closeHandler(v -> unfollow[0].run());
        vertx.executeBlocking(() -> store.release(id).map(r -> store.events(id, after))).onComplete(ar -> {
            if (ar.failed() || ar.result().isEmpty()) {
                unfollow[0].run();
                error(ctx, ar.failed() ? 500 : 404, ar.failed() ? ar.cause().getMessage() : "no release " + id);
                return;
            }
            resp.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-store")
                    .putHeader("X-Accel-Buffering", "no");
            resp.write(": glidepath release " + id + "\n\n");
            for (StoredEvent e : ar.result().get()) {
                st.send(e, resp, unfollow[0]);
            }
            st.replayed(resp, unfollow[0]);
        });
    }

    /** The order of one SSE stream: replayed events first, then live ones, each exactly once. */
    private static final class SseState {
        long lastSent;
        boolean replayed;
        boolean ended;
        final List<StoredEvent> held = new ArrayList<>();

        SseState(long after) {
            this.lastSent = after;
        }

        void offer(StoredEvent e, HttpServerResponse resp, Runnable unfollow) {
            if (replayed) {
                send(e, resp, unfollow);
            } else {
                held.add(e);
            }
        }

        void replayed(HttpServerResponse resp, Runnable unfollow) {
            replayed = true;
            held.forEach(e -> send(e, resp, unfollow));
            held.clear();
        }

        void send(StoredEvent e, HttpServerResponse resp, Runnable unfollow) {
            if (ended || e.seq() <= lastSent || resp.closed()) {
                return;
            }
            lastSent = e.seq();
            String kind = kind(e.event());
            resp.write("id: " + e.seq() + "\nevent: " + kind + "\ndata: " + eventJson(e).toString() + "\n\n");
            if (e.event() instanceof ReleaseEvent.Finished) {
                ended = true;
                unfollow.run();
                resp.end();
            }
        }
    }

    private void control(RoutingContext ctx, boolean promote) {
        String id = ctx.pathParam("id");
        String user = caller(ctx).who();
        boolean done = promote ? engine.promote(id) : engine.abort(id, user);
        if (!done) {
            blocking(ctx, () -> store.release(id), r -> error(ctx, r.isEmpty() ? 404 : 409, r.isEmpty() ? "no release " + id
                    : "release " + id + " is not running" + r.get().outcome().map(o -> " (it ended " + o + ")").orElse("")));
            return;
        }
        ctx.put(AUDIT_RESULT, promote ? "promote sent" : "abort sent");
        json(ctx, 202, Json.object().put("release", id).put(promote ? "promoted" : "aborted", true));
    }

    // --- live view -------------------------------------------------------------------------------------

    /**
     * Server-sent events: a snapshot of the releases in progress every second (the feed reads it
     * once for every watcher). A watcher that cannot keep up misses frames instead of queueing them:
     * the next one says everything again.
     */
    private void live(RoutingContext ctx) {
        Context c = vertx.getOrCreateContext();
        HttpServerResponse resp = ctx.response();
        resp.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        resp.write(": glidepath live view, a snapshot every " + live.period().toMillis() + " ms\n\n");
        Runnable unwatch = live.watch(f -> c.runOnContext(v -> {
            if (!resp.closed() && !resp.ended() && !resp.writeQueueFull()) {
                resp.write("id: " + f.seq() + "\nevent: snapshot\ndata: " + f.json() + "\n\n");
            }
        }));
        resp.closeHandler(v -> unwatch.run());
    }

    // --- services ------------------------------------------------------------------------------------

    private void services(RoutingContext ctx) {
        blocking(ctx, () -> {
            ArrayNode a = Json.array();
            for (ServiceRecord s : store.services()) {
                ObjectNode o = a.addObject();
                o.put("name", s.name());
                o.put("currentVersion", s.currentVersion());
                s.previousVersion().ifPresent(v -> o.put("previousVersion", v));
                o.put("lastRelease", s.lastRelease());
                store.holder(s.name()).ifPresent(h -> o.put("heldBy", h));
                List<Instance> live = platform.list(s.name());
                ArrayNode inst = o.putArray("instances");
                live.forEach(i -> inst.addObject().put("id", i.id()).put("version", i.version()).put("address", i.address().toString())
                        .put("pid", i.pid()).put("log", i.log().toString()));
                try {
                    Optional<RouteState> route = router.current(s.name());
                    route.ifPresent(rs -> {
                        ObjectNode ro = o.putObject("route");
                        ro.put("canaryWeight", rs.spec().canaryWeight());
                        ro.put("stable", versionOf(rs.spec().stable(), live));
                        ro.put("canary", versionOf(rs.spec().canary(), live));
                        ro.put("preview", versionOf(rs.spec().preview(), live));
                        ro.put("generation", rs.generation());
                    });
                } catch (TrafficException e) {
                    o.put("routeError", e.getMessage());
                }
            }
            return a;
        }, a -> json(ctx, 200, Json.object().set("services", a)));
    }

    private static String versionOf(List<EndpointAddress> endpoints, List<Instance> live) {
        if (endpoints.isEmpty()) {
            return null;
        }
        return endpoints.stream().map(e -> live.stream().filter(i -> i.address().equals(e)).map(Instance::version).findFirst().orElse(e.toString()))
                .distinct().reduce((x, y) -> x + "," + y).orElse(null);
    }

    // --- access: tokens, roles, audit -------------------------------------------------------------------

    /** Finds the caller from the bearer token; none: 401 (audited when the call would have changed something). */
    private void authenticate(RoutingContext ctx) {
        String user = Optional.ofNullable(ctx.request().getHeader(USER_HEADER)).filter(u -> u.matches("[\\w.@-]{1,64}")).orElse(null);
        Optional<Caller> caller = tokens.authenticate(ctx.request().getHeader("Authorization"), user);
        if (caller.isEmpty()) {
            if (ctx.request().method() != io.vertx.core.http.HttpMethod.GET) {
                ctx.put(AUDIT_TARGET, ctx.request().method() + " " + ctx.request().path());
                record(ctx, new Caller("-", Role.VIEWER, user), "unauthenticated");
            }
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"glidepath\"");
            error(ctx, 401, "missing, wrong or revoked bearer token: send 'Authorization: Bearer <token>' with the server's server.token "
                    + "or a token from glidepath token create");
            return;
        }
        ctx.put(CALLER, caller.get());
        ctx.next();
    }

    /** Lets the call through when the caller's role includes {@code role}; else 403 naming the role needed. */
    private static Handler<RoutingContext> need(Role role) {
        return ctx -> {
            Caller c = caller(ctx);
            if (c.role().includes(role)) {
                ctx.next();
            } else {
                error(ctx, 403, "this call needs the " + role.label() + " role; token '" + c.token() + "' has the " + c.role().label() + " role");
            }
        };
    }

    /** Writes the call to the audit log once its answer has gone out, with its status and result. */
    private Handler<RoutingContext> audited(String action) {
        return ctx -> {
            record(ctx, caller(ctx), action);
            ctx.next();
        };
    }

    private void record(RoutingContext ctx, Caller c, String action) {
        String remote = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
        ctx.addEndHandler(done -> {
            int status = ctx.response().getStatusCode();
            // what the call was about: set by the handler, else the release or token in the path, else the file submitted
            String target = Stream.of(ctx.<String>get(AUDIT_TARGET), ctx.pathParam("id"), ctx.pathParam("name"),
                    action.equals("release.submit") ? ctx.request().getHeader(FILE_HEADER) : null)
                    .filter(java.util.Objects::nonNull).findFirst().orElse(null);
            String result = Optional.<String>ofNullable(ctx.get(AUDIT_RESULT)).orElse(ctx.response().getStatusMessage());
            AuditEntry e = new AuditEntry(Instant.now(), c.token(), c.user(), action, target, status, result, remote);
            vertx.executeBlocking(() -> {
                access.appendAudit(e);
                return null;
            }).onFailure(f -> log.error("could not write the audit log entry for {} by {}", action, c.token(), f));
        });
    }

    private static Caller caller(RoutingContext ctx) {
        return ctx.get(CALLER);
    }

    private void whoami(RoutingContext ctx) {
        Caller c = caller(ctx);
        ObjectNode n = Json.object().put("token", c.token()).put("role", c.role().label());
        if (c.user() != null) {
            n.put("user", c.user());
        }
        json(ctx, 200, n);
    }

    private void createToken(RoutingContext ctx) {
        JsonNode body;
        try {
            body = EventJson.MAPPER.readTree(ctx.body() == null ? "" : ctx.body().asString());
        } catch (IOException e) {
            fieldErrors(ctx, List.of(new FieldError("", "the body is not valid JSON; send {\"name\": \"ci-bot\", \"role\": \"deployer\"}")));
            return;
        }
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            errors.add(new FieldError("", "send a JSON object: {\"name\": \"ci-bot\", \"role\": \"deployer\"}"));
            fieldErrors(ctx, errors);
            return;
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("name") && !f.equals("role")) {
                errors.add(new FieldError("/" + f, "unknown field; a token has a name and a role"));
            }
        }
        String name = body.path("name").isTextual() ? body.path("name").asText() : null;
        if (name == null) {
            errors.add(new FieldError("/name", "is required: a text such as \"ci-bot\""));
        } else {
            ctx.put(AUDIT_TARGET, name);
            if (!Tokens.NAME.matcher(name).matches()) {
                errors.add(new FieldError("/name", Tokens.NAME_RULE));
            }
        }
        Optional<Role> role = body.path("role").isTextual() ? Role.parse(body.path("role").asText()) : Optional.empty();
        if (role.isEmpty()) {
            errors.add(new FieldError("/role", (body.has("role") ? "is not a role" : "is required") + ": " + Role.choices()));
        }
        if (!errors.isEmpty()) {
            fieldErrors(ctx, errors);
            return;
        }
        String by = caller(ctx).token();
        blocking(ctx, () -> {
            try {
                return tokens.issue(name, role.get(), by, Instant.now());
            } catch (Tokens.Refused e) {
                return e;
            }
        }, issued -> {
            if (issued instanceof Tokens.Refused e) {
                if (e.status() == 400) {
                    fieldErrors(ctx, List.of(new FieldError(e.pointer(), e.getMessage())));
                } else {
                    error(ctx, e.status(), e.getMessage());
                }
                return;
            }
            Tokens.Issued t = (Tokens.Issued) issued;
            ctx.put(AUDIT_RESULT, "created with role " + t.record().role().label());
            json(ctx, 201, token(t.record()).put("token", t.secret()));
        });
    }

    private void listTokens(RoutingContext ctx) {
        blocking(ctx, tokens::all, all -> {
            ObjectNode n = Json.object();
            ArrayNode a = n.putArray("tokens");
            a.addObject().put("name", Tokens.SERVER_TOKEN_NAME).put("role", Role.ADMIN.label()).put("source", "the server's token file");
            all.forEach(t -> a.add(token(t)));
            json(ctx, 200, n);
        });
    }

    private void revokeToken(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        blocking(ctx, () -> {
            try {
                return tokens.revoke(name, Instant.now());
            } catch (Tokens.Refused e) {
                return e;
            }
        }, revoked -> {
            if (revoked instanceof Tokens.Refused e) {
                error(ctx, e.status(), e.getMessage());
                return;
            }
            ctx.put(AUDIT_RESULT, "revoked");
            json(ctx, 200, token((TokenRecord) revoked));
        });
    }

    private void audit(RoutingContext ctx) {
        int limit;
        try {
            limit = Integer.parseInt(ctx.request().getParam("limit", "100"));
            if (limit < 1 || limit > 10000) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            error(ctx, 400, "query parameter limit must be a whole number from 1 to 10000");
            return;
        }
        blocking(ctx, () -> access.audit(limit), entries -> {
            ObjectNode n = Json.object();
            ArrayNode a = n.putArray("entries");
            for (AuditEntry e : entries) {
                ObjectNode o = a.addObject().put("at", e.at().toString()).put("token", e.token());
                if (e.user() != null) {
                    o.put("user", e.user());
                }
                o.put("action", e.action()).put("target", e.target()).put("status", e.status()).put("result", e.result()).put("remote", e.remote());
            }
            json(ctx, 200, n);
        });
    }

    private static ObjectNode token(TokenRecord t) {
        ObjectNode o = Json.object().put("name", t.name()).put("role", t.role().label()).put("created", t.created().toString())
                .put("createdBy", t.createdBy());
        t.revoked().ifPresent(r -> o.put("revoked", r.toString()));
        return o;
    }

    /** 400 with the JSON pointer of each bad field. */
    private record FieldError(String pointer, String message) {
    }

    private static void fieldErrors(RoutingContext ctx, List<FieldError> errors) {
        ObjectNode n = Json.object();
        n.put("error", errors.size() == 1 ? "1 field is invalid" : errors.size() + " fields are invalid");
        ArrayNode a = n.putArray("errors");
        errors.forEach(e -> a.addObject().put("pointer", e.pointer()).put("message", e.message()));
        ctx.put(AUDIT_RESULT, errors.get(0).pointer() + ": " + errors.get(0).message());
        json(ctx, 400, n);
    }

    /** {@code {"error": message}}, the message also being the audit log's result for a changing call. */
    private static void error(RoutingContext ctx, int status, String message) {
        ctx.put(AUDIT_RESULT, message);
        JsonApi.error(ctx, status, message);
    }

    private static void json(RoutingContext ctx, int status, JsonNode body) {
        JsonApi.json(ctx, status, body);
    }

    // --- JSON ------------------------------------------------------------------------------------------

    /** A queued release's state is QUEUED, with the release it waits for. */
    private ObjectNode withQueue(ObjectNode release) {
        String id = release.path("id").asText();
        if (engine.isQueued(id)) {
            release.put("state", "QUEUED");
            engine.queuedBehind(id).ifPresent(h -> release.put("queuedBehind", h));
        }
        return release;
    }

    /** What a release changes, by service: version and strategy, read back from its file once and remembered. */
    private final Map<String, List<ServiceSpec>> changes = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<ServiceSpec>> eldest) {
            return size() > 2000;
        }
    });

    private List<ServiceSpec> changes(ReleaseRecord r) {
        return changes.computeIfAbsent(r.id(), id -> {
            try {
                return ReleaseReader.read(r.file(), r.source()).services();
            } catch (InvalidSpecException e) {
                // a file accepted by an older version: the list of services still says what it touched
                return List.of();
            }
        });
    }

    private ObjectNode release(ReleaseRecord r) {
        ObjectNode n = Json.object();
        n.put("id", r.id());
        n.put("file", r.file());
        ArrayNode s = n.putArray("services");
        r.services().forEach(s::add);
        ArrayNode c = n.putArray("changes");
        changes(r).forEach(spec -> c.addObject().put("service", spec.name()).put("version", spec.version()).put("strategy", spec.strategy().id()));
        n.put("submittedBy", r.submittedBy());
        n.put("submitted", r.submitted().toString());
        n.put("state", r.outcome().map(Enum::name).orElse("RUNNING"));
        r.reason().ifPresent(x -> n.put("reason", x));
        r.finished().ifPresent(f -> n.put("finished", f.toString()).put("seconds", java.time.Duration.between(r.submitted(), f).toMillis() / 1000.0));
        return n;
    }

    static ObjectNode eventJson(StoredEvent e) {
        try {
            ObjectNode n = (ObjectNode) EventJson.MAPPER.readTree(EventJson.write(e.event()));
            n.put("seq", e.seq());
            return n;
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static String kind(ReleaseEvent e) {
        return EventJson.MAPPER.valueToTree(e).path("kind").asText();
    }

    // --- plumbing --------------------------------------------------------------------------------------

    private <T> void blocking(RoutingContext ctx, Callable<T> call, Consumer<T> ok) {
        vertx.executeBlocking(call).onComplete(ar -> {
            if (ar.succeeded()) {
                ok.accept(ar.result());
                return;
            }
            Throwable f = ar.cause();
            if (f instanceof InvalidSpecException e) {
                invalid(ctx, e.errors());
            } else if (f instanceof ServiceBusyException e) {
                ObjectNode n = Json.object().put("error", e.getMessage()).put("holder", e.holder());
                ctx.put(AUDIT_RESULT, e.getMessage());
                json(ctx, 409, n);
            } else if (f instanceof ReleaseExistsException e) {
                ctx.put(AUDIT_RESULT, e.getMessage());
                error(ctx, 409, e.getMessage());
            } else {
                log.error("API call failed", f);
                error(ctx, 500, f.getMessage());
            }
        });
    }

    private static void invalid(RoutingContext ctx, List<SpecError> errors) {
        ObjectNode n = Json.object();
        n.put("error", errors.size() + (errors.size() == 1 ? " error" : " errors") + " in the release file; nothing was started");
        ctx.put(AUDIT_RESULT, n.path("error").asText());
        ArrayNode a = n.putArray("errors");
        for (SpecError e : errors) {
            a.addObject().put("file", e.location().file()).put("line", e.location().line()).put("column", e.location().column())
                    .put("path", e.path()).put("message", e.message()).put("text", e.toString());
        }
        json(ctx, 400, n);
    }




    @Override
    public void close() {
        try {
            JsonApi.close(server, vertx);
        } catch (IOException e) {
            log.warn("the API did not close cleanly", e);
        }
    }

    /** Jackson nodes from the shared mapper. */
    static final class Json {
        private Json() {
        }

        static ObjectNode object() {
            return EventJson.MAPPER.createObjectNode();
        }

        static ArrayNode array() {
            return EventJson.MAPPER.createArrayNode();
        }
    }
}
