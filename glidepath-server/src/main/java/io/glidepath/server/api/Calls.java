package io.glidepath.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.api.Failures;
import io.glidepath.api.JsonApi;
import io.glidepath.engine.ReleaseExistsException;
import io.glidepath.engine.ServiceBusyException;
import io.glidepath.route.FieldError;
import io.glidepath.server.access.Tokens;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.SpecError;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the server's API handlers run the part of a call that blocks (the store, the engine, the
 * platform) on a worker thread, and answer what that part throws: the caller's mistakes with their
 * 4xx, anything else with a 500 whose message is never empty.
 */
final class Calls {
    private static final Logger log = LoggerFactory.getLogger(Calls.class);

    private final Vertx vertx;

    Calls(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Runs {@code call} off the event loop; its result goes to {@code ok} on the event loop, its failure is answered. */
    <T> void blocking(RoutingContext ctx, Callable<T> call, Consumer<T> ok) {
        blocking(ctx, call, ok, () -> { });
    }

    /** As {@link #blocking(RoutingContext, Callable, Consumer)}, running {@code onFailure} before a failure is answered. */
    <T> void blocking(RoutingContext ctx, Callable<T> call, Consumer<T> ok, Runnable onFailure) {
        vertx.executeBlocking(call).onComplete(ar -> {
            if (ar.succeeded()) {
                ok.accept(ar.result());
            } else {
                onFailure.run();
                failed(ctx, ar.cause());
            }
        });
    }

    /** Answers what a call's blocking part threw. */
    static void failed(RoutingContext ctx, Throwable f) {
        switch (f) {
            case InvalidSpecException e -> invalid(ctx, e.errors());
            case ServiceBusyException e -> {
                JsonApi.outcome(ctx, e.getMessage());
                JsonApi.json(ctx, 409, JsonApi.object().put("error", e.getMessage()).put("holder", e.holder()));
            }
            case ReleaseExistsException e -> {
                JsonApi.outcome(ctx, e.getMessage());
                JsonApi.error(ctx, 409, e.getMessage());
            }
            case PolicyRefusal e -> {
                JsonApi.outcome(ctx, e.getMessage());
                JsonApi.json(ctx, e.status(), e.body());
            }
            case Tokens.Refused e when e.status() == 400 && e.pointer() != null ->
                    JsonApi.fieldErrors(ctx, List.of(new FieldError(e.pointer(), e.getMessage())));
            case Tokens.Refused e -> JsonApi.error(ctx, e.status(), e.getMessage());
            default -> {
                log.error("API call {} {} failed", ctx.request().method(), ctx.request().path(), f);
                JsonApi.error(ctx, 500, Failures.describe(f));
            }
        }
    }

    /** 400 with every located error of a release file, as {@code glidepath validate} shows them. */
    private static void invalid(RoutingContext ctx, List<SpecError> errors) {
        ObjectNode n = JsonApi.object();
        n.put("error", errors.size() + (errors.size() == 1 ? " error" : " errors") + " in the release file; nothing was started");
        JsonApi.outcome(ctx, n.path("error").asText());
        ArrayNode a = n.putArray("errors");
        for (SpecError e : errors) {
            a.addObject().put("file", e.location().file()).put("line", e.location().line()).put("column", e.location().column())
                    .put("path", e.path()).put("message", e.message()).put("text", e.toString());
        }
        JsonApi.json(ctx, 400, n);
    }

    /** The {@code limit} query parameter, from 1 to {@code max}; a bad one is answered with 400 and gives empty. */
    static OptionalInt limit(RoutingContext ctx, int byDefault, int max) {
        String p = ctx.request().getParam("limit", String.valueOf(byDefault));
        try {
            int limit = Integer.parseInt(p);
            if (limit >= 1 && limit <= max) {
                return OptionalInt.of(limit);
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        JsonApi.error(ctx, 400, "query parameter limit must be a whole number from 1 to " + max);
        return OptionalInt.empty();
    }
}
