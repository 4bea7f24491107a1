package io.glidepath.server.api;

import io.glidepath.api.Failures;
import io.glidepath.api.JsonApi;
import io.glidepath.api.JsonBodies;
import io.glidepath.api.VertxServers;
import io.glidepath.engine.Engine;
import io.glidepath.platform.Platform;
import io.glidepath.spec.ReleaseLimits;
import io.glidepath.server.access.AccessStore;
import io.glidepath.server.access.Tokens;
import io.glidepath.server.dashboard.DashboardFiles;
import io.glidepath.server.live.LiveFeed;
import io.glidepath.server.metrics.ServerMetrics;
import io.glidepath.store.Store;
import io.glidepath.traffic.TrafficRouter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's REST and SSE API (Vert.x Web). Every call needs a bearer token whose role allows it
 * (viewer reads, deployer deploys, admin manages tokens; {@link Guard}); every call that changes
 * something is written to the audit log with the token's name and how it ended. The resources:
 * {@link ReleasesApi}, {@link ReleaseStream}, {@link ReportApi}, {@link ServicesApi}, {@link LiveApi}, {@link AccessApi},
 * {@link StatusApi}. The web dashboard's static files are served without a token, everything else
 * needs one. Every error answer is JSON with a message; bodies are bounded in size and depth.
 */
public final class ServerApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerApi.class);
    public static final String FILE_HEADER = "X-Glidepath-File";
    public static final String BASE_DIR_HEADER = "X-Glidepath-Base-Dir";
    public static final String USER_HEADER = "X-Glidepath-User";
    /** A release file may be as large as glidepath validate accepts; other bodies are far smaller. */
    private static final int BODY_LIMIT = ReleaseLimits.MAX_BYTES;

    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(8));
    private final DashboardFiles dashboard;
    private final Guard guard;
    private final List<ApiRoutes> resources;
    private HttpServer server;

    public ServerApi(Engine engine, Store store, AccessStore access, Platform platform, TrafficRouter router, Tokens tokens, LiveFeed live,
                     DashboardFiles dashboard, ServerMetrics metrics) {
        this(engine, store, access, platform, router, tokens, live, dashboard, metrics, io.glidepath.policy.Policy::none, io.glidepath.time.Clock.system());
    }

    /** With the server's policy ({@code policy}: the one in force now) and the clock its deploy windows are read on. */
    public ServerApi(Engine engine, Store store, AccessStore access, Platform platform, TrafficRouter router, Tokens tokens, LiveFeed live,
                     DashboardFiles dashboard, ServerMetrics metrics, java.util.function.Supplier<io.glidepath.policy.Policy> policy,
                     io.glidepath.time.Clock clock) {
        this.dashboard = dashboard;
        this.guard = new Guard(tokens, access, vertx);
        Calls calls = new Calls(vertx);
        this.resources = List.of(
                new StatusApi(metrics),
                new ReleasesApi(engine, store, new ReleaseJson(engine, store), guard, calls, policy, clock),
                new ReleaseStream(engine, store, calls),
                new ReportApi(store, calls),
                new ServicesApi(store, platform, router, calls),
                new LiveApi(live),
                new AccessApi(tokens, access, guard, calls));
    }

    public InetSocketAddress start(String host, int port) throws IOException {
        Router r = Router.router(vertx);
        // the dashboard's static files need no token (they hold no data); everything after this does
        dashboard.mount(r);
        r.route().handler(ctx -> {
            ctx.response().putHeader("X-Content-Type-Options", "nosniff");
            ctx.next();
        });
        r.route().handler(guard::authenticate);
        r.route().handler(JsonBodies.handler(BODY_LIMIT));
        resources.forEach(x -> x.mount(r));
        r.route().last().handler(ctx -> JsonApi.error(ctx, 404, "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
        r.route().failureHandler(Failures.handler(log, "API", "the release file is larger than 4 MiB"));
        server = VertxServers.await(vertx.createHttpServer().requestHandler(r).listen(port, host), "the API did not start");
        return new InetSocketAddress(host, server.actualPort());
    }

    @Override
    public void close() {
        try {
            VertxServers.close(server, vertx);
        } catch (IOException e) {
            log.warn("the API did not close cleanly", e);
        }
    }
}
