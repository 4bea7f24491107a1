package io.glidepath.router.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.route.RouteJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** What Glidepath's JSON APIs (the router's admin API, the server's API) share on Vert.x Web. */
public final class JsonApi {
    private JsonApi() {
    }

    /** Answers with a JSON body, unless an answer already went out. */
    public static void json(RoutingContext ctx, int status, JsonNode body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                .end(body.toString());
    }

    /** {@code {"error": message}}. */
    public static void error(RoutingContext ctx, int status, String message) {
        json(ctx, status, RouteJson.MAPPER.createObjectNode().put("error", message));
    }

    /** Blocks for a Vert.x result (start-up and shut-down only, never on an event loop). */
    public static <T> T await(Future<T> f, String what) throws IOException {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IOException(what + ": " + e, e);
        }
    }

    /** Closes the HTTP server (when started) and its Vert.x instance. */
    public static void close(HttpServer server, Vertx vertx) throws IOException {
        if (server != null) {
            await(server.close(), "closing the HTTP server");
        }
        await(vertx.close(), "closing Vert.x");
    }
}
