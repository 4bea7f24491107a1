package io.glidepath.server.api;

import io.glidepath.api.JsonApi;
import io.glidepath.server.access.AccessStore;
import io.glidepath.server.access.AuditEntry;
import io.glidepath.server.access.Caller;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.Tokens;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call what: the caller found from the bearer token, the role each route needs, and the
 * audit log entry of every call that changes something (or tries to), written once its answer has
 * gone out with its status and outcome ({@link JsonApi#OUTCOME}).
 */
final class Guard {
    private static final Logger log = LoggerFactory.getLogger(Guard.class);
    private static final String CALLER = "glidepath.caller";
    private static final String TARGET = "glidepath.audit.target";

    private final Tokens tokens;
    private final AccessStore access;
    private final Vertx vertx;

    Guard(Tokens tokens, AccessStore access, Vertx vertx) {
        this.tokens = tokens;
        this.access = access;
        this.vertx = vertx;
    }

    /** Finds the caller from the bearer token; none: 401 (audited when the call would have changed something). */
    void authenticate(RoutingContext ctx) {
        String user = Optional.ofNullable(ctx.request().getHeader(ServerApi.USER_HEADER)).filter(u -> u.matches("[\\w.@-]{1,64}")).orElse(null);
        Optional<Caller> caller = tokens.authenticate(ctx.request().getHeader("Authorization"), user);
        if (caller.isEmpty()) {
            if (ctx.request().method() != HttpMethod.GET) {
                target(ctx, ctx.request().method() + " " + ctx.request().path());
                record(ctx, new Caller("-", Role.VIEWER, user), "unauthenticated");
            }
            JsonApi.unauthorized(ctx, "glidepath", "missing, wrong or revoked bearer token: send 'Authorization: Bearer <token>' with the "
                    + "server's server.token or a token from glidepath token create");
            return;
        }
        ctx.put(CALLER, caller.get());
        ctx.next();
    }

    /** Lets the call through when the caller's role includes {@code role}; else 403 naming the role needed. */
    static Handler<RoutingContext> need(Role role) {
        return ctx -> {
            Caller c = caller(ctx);
            if (c.role().includes(role)) {
                ctx.next();
            } else {
                JsonApi.error(ctx, 403, "this call needs the " + role.label() + " role; token '" + c.token() + "' has the " + c.role().label()
                        + " role");
            }
        };
    }

    /** Writes the call to the audit log once its answer has gone out, with its status and outcome. */
    Handler<RoutingContext> audited(String action) {
        return ctx -> {
            record(ctx, caller(ctx), action);
            ctx.next();
        };
    }

    /** The authenticated caller of this call. */
    static Caller caller(RoutingContext ctx) {
        return ctx.get(CALLER);
    }

    /** What the call is about, for the audit log, when the path does not say it (a token's name, a new release's id). */
    static void target(RoutingContext ctx, String target) {
        ctx.put(TARGET, target);
    }

    private void record(RoutingContext ctx, Caller c, String action) {
        String remote = ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
        ctx.addEndHandler(done -> {
            int status = ctx.response().getStatusCode();
            // what the call was about: set by the handler, else the release or token in the path, else the file submitted
            String target = Stream.of(ctx.<String>get(TARGET), ctx.pathParam("id"), ctx.pathParam("name"),
                    action.equals("release.submit") ? ctx.request().getHeader(ServerApi.FILE_HEADER) : null)
                    .filter(Objects::nonNull).findFirst().orElse(null);
            String result = Optional.<String>ofNullable(ctx.get(JsonApi.OUTCOME)).orElse(ctx.response().getStatusMessage());
            AuditEntry e = new AuditEntry(Instant.now(), c.token(), c.user(), action, target, status, result, remote);
            vertx.executeBlocking(() -> {
                access.appendAudit(e);
                return null;
            }).onFailure(f -> log.error("could not write the audit log entry for {} by {}", action, c.token(), f));
        });
    }
}
