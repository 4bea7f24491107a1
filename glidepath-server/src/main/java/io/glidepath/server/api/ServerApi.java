package io.glidepath.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import static io.glidepath.router.admin.JsonApi.error;
import static io.glidepath.router.admin.JsonApi.json;

import io.glidepath.auth.BearerToken;
import io.glidepath.engine.Engine;
import io.glidepath.engine.EventJson;
import io.glidepath.engine.ReleaseEvent;
import io.glidepath.engine.ServiceBusyException;
import io.glidepath.engine.ServicePhases;
import io.glidepath.platform.Instance;
import io.glidepath.platform.Platform;
import io.glidepath.router.admin.JsonApi;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteState;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.SpecError;
import io.glidepath.store.ReleaseRecord;
import io.glidepath.store.ServiceRecord;
import io.glidepath.store.Store;
import io.glidepath.store.StoredEvent;
import io.glidepath.traffic.TrafficException;
import io.glidepath.traffic.TrafficRouter;
import io.vertx.core.Context;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's REST and SSE API (Vert.x Web). Every call needs the bearer token. A release is
 * submitted as its file's text (YAML or JSON); invalid files get 400 with the same located errors
 * as {@code glidepath validate}; a busy service gets 409 naming the release that holds it.
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
    private final BearerToken token;
    private HttpServer server;

    public ServerApi(Engine engine, Store store, Platform platform, TrafficRouter router, BearerToken token) {
        this.engine = engine;
        this.store = store;
        this.platform = platform;
        this.router = router;
        this.token = token;
    }

    public InetSocketAddress start(String host, int port) throws IOException {
        Router r = Router.router(vertx);
        r.route().handler(ctx -> {
            if (token.accepts(ctx.request().getHeader("Authorization"))) {
                ctx.next();
            } else {
                ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"glidepath\"");
                error(ctx, 401, "missing or wrong bearer token: send 'Authorization: Bearer <token>' with the token from the server's server.token file");
            }
        });
        r.route().handler(BodyHandler.create().setBodyLimit(4 << 20).setHandleFileUploads(false));
        r.get("/v1/health").handler(ctx -> json(ctx, 200, Json.object().put("status", "ok")));
        r.post("/v1/releases").handler(this::submit);
        r.get("/v1/releases").handler(this::list);
        r.get("/v1/releases/:id").handler(this::get);
        r.get("/v1/releases/:id/events").handler(this::events);
        r.get("/v1/releases/:id/stream").handler(this::stream);
        r.post("/v1/releases/:id/promote").handler(ctx -> control(ctx, true));
        r.post("/v1/releases/:id/abort").handler(ctx -> control(ctx, false));
        r.get("/v1/services").handler(this::services);
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
        String user = Optional.ofNullable(ctx.request().getHeader(USER_HEADER)).filter(u -> u.matches("[\\w.@-]{1,64}")).orElse("api");
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
            Map<String, Engine.ServiceStatus> now = engine.isRunning(id) || engine.isQueued(id) ? engine.phases(id)
                    : ServicePhases.fromJournal(rec.services(), store.events(id, 0));
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
        String user = Optional.ofNullable(ctx.request().getHeader(USER_HEADER)).filter(u -> u.matches("[\\w.@-]{1,64}")).orElse("api");
        boolean done = promote ? engine.promote(id) : engine.abort(id, user);
        if (!done) {
            blocking(ctx, () -> store.release(id), r -> error(ctx, r.isEmpty() ? 404 : 409, r.isEmpty() ? "no release " + id
                    : "release " + id + " is not running" + r.get().outcome().map(o -> " (it ended " + o + ")").orElse("")));
            return;
        }
        json(ctx, 202, Json.object().put("release", id).put(promote ? "promoted" : "aborted", true));
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

    static ObjectNode release(ReleaseRecord r) {
        ObjectNode n = Json.object();
        n.put("id", r.id());
        n.put("file", r.file());
        ArrayNode s = n.putArray("services");
        r.services().forEach(s::add);
        n.put("submittedBy", r.submittedBy());
        n.put("submitted", r.submitted().toString());
        n.put("state", r.outcome().map(Enum::name).orElse("RUNNING"));
        r.reason().ifPresent(x -> n.put("reason", x));
        r.finished().ifPresent(f -> n.put("finished", f.toString()));
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
                json(ctx, 409, n);
            } else {
                log.error("API call failed", f);
                error(ctx, 500, f.getMessage());
            }
        });
    }

    private static void invalid(RoutingContext ctx, List<SpecError> errors) {
        ObjectNode n = Json.object();
        n.put("error", errors.size() + (errors.size() == 1 ? " error" : " errors") + " in the release file; nothing was started");
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
