package io.glidepath.api;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Starting and stopping an API's Vert.x HTTP server from a plain thread. */
public final class VertxServers {
    private VertxServers() {
    }

    /** Blocks for a Vert.x result (start-up and shut-down only, never on an event loop). */
    public static <T> T await(Future<T> f, String what) throws IOException {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException(Failures.describe(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted", e);
        } catch (TimeoutException e) {
            throw new IOException(what + ": no answer in 30 s", e);
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
