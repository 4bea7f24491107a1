package io.glidepath.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * What a JSON API answers when a call fails in a way no handler answered: a JSON error with a
 * message, never a stack trace and never a null message. Server faults (5xx) are logged with the
 * throwable; a client's mistake keeps its 4xx status.
 */
public final class Failures {
    private Failures() {
    }

    /**
     * The failure handler for every route of {@code api} (install with
     * {@code router.route().failureHandler(...)}): 413 says {@code tooLarge}; a thrown exception or
     * error is a 500 naming it; any other status keeps its status with its reason.
     */
    public static Handler<RoutingContext> handler(Logger log, String api, String tooLarge) {
        return ctx -> {
            int status = ctx.statusCode() >= 400 ? ctx.statusCode() : 500;
            Throwable failure = ctx.failure();
            if (status == 413) {
                JsonApi.error(ctx, 413, tooLarge);
            } else if (status >= 500) {
                log.error("{} failure on {} {}", api, ctx.request().method(), ctx.request().path(), failure);
                JsonApi.error(ctx, status, "internal error: " + describe(failure));
            } else {
                JsonApi.error(ctx, status, failure == null ? reason(status) : reason(status) + ": " + describe(failure));
            }
        };
    }

    /**
     * A throwable in words, for an answer: its message, or its kind when it has none (a
     * {@code StackOverflowError} has no message). Never null, never a stack trace.
     */
    public static String describe(Throwable t) {
        if (t == null) {
            return "unknown failure";
        }
        String kind = t.getClass().getSimpleName();
        // a message-less wrapper: the first cause that says something (a few levels, whatever the chain)
        Throwable c = t;
        for (int i = 0; i < 5 && c != null; i++, c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && !m.isBlank()) {
                return c == t ? m : kind + ": " + m;
            }
        }
        return kind;
    }

    private static String reason(int status) {
        return HttpResponseStatus.valueOf(status).reasonPhrase().toLowerCase(Locale.ROOT);
    }
}
