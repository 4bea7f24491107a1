package io.glidepath.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.api.JsonApi;
import io.glidepath.api.JsonBodies;
import io.glidepath.route.FieldError;
import io.glidepath.server.access.AccessStore;
import io.glidepath.server.access.AuditEntry;
import io.glidepath.server.access.Caller;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.TokenRecord;
import io.glidepath.server.access.Tokens;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Access: who the caller is ({@code GET /v1/whoami}), named tokens (admin: create, list, revoke;
 * a token is shown once, when made) and the audit log (admin).
 */
final class AccessApi implements ApiRoutes {
    private static final String EXAMPLE = "{\"name\": \"ci-bot\", \"role\": \"deployer\"}";

    private final Tokens tokens;
    private final AccessStore access;
    private final Guard guard;
    private final Calls calls;

    AccessApi(Tokens tokens, AccessStore access, Guard guard, Calls calls) {
        this.tokens = tokens;
        this.access = access;
        this.guard = guard;
        this.calls = calls;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/whoami").handler(Guard.need(Role.VIEWER)).handler(this::whoami);
        r.post("/v1/tokens").handler(guard.audited("token.create")).handler(Guard.need(Role.ADMIN)).handler(this::createToken);
        r.get("/v1/tokens").handler(Guard.need(Role.ADMIN)).handler(this::listTokens);
        r.delete("/v1/tokens/:name").handler(guard.audited("token.revoke")).handler(Guard.need(Role.ADMIN)).handler(this::revokeToken);
        r.get("/v1/audit").handler(Guard.need(Role.ADMIN)).handler(this::audit);
    }

    private void whoami(RoutingContext ctx) {
        Caller c = Guard.caller(ctx);
        ObjectNode n = JsonApi.object().put("token", c.token()).put("role", c.role().label());
        if (c.user() != null) {
            n.put("user", c.user());
        }
        JsonApi.json(ctx, 200, n);
    }

    private void createToken(RoutingContext ctx) {
        Optional<JsonNode> parsed = JsonBodies.read(ctx, EXAMPLE);
        if (parsed.isEmpty()) {
            return;
        }
        JsonNode body = parsed.get();
        if (!body.isObject()) {
            JsonApi.fieldErrors(ctx, List.of(new FieldError("", "send a JSON object: " + EXAMPLE)));
            return;
        }
        List<FieldError> errors = new ArrayList<>();
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
            Guard.target(ctx, name);
            if (!Tokens.NAME.matcher(name).matches()) {
                errors.add(new FieldError("/name", Tokens.NAME_RULE));
            }
        }
        Optional<Role> role = body.path("role").isTextual() ? Role.parse(body.path("role").asText()) : Optional.empty();
        if (role.isEmpty()) {
            errors.add(new FieldError("/role", (body.has("role") ? "is not a role" : "is required") + ": " + Role.choices()));
        }
        if (!errors.isEmpty()) {
            JsonApi.fieldErrors(ctx, errors);
            return;
        }
        String by = Guard.caller(ctx).token();
        calls.blocking(ctx, () -> tokens.issue(name, role.get(), by, Instant.now()), t -> {
            JsonApi.outcome(ctx, "created with role " + t.record().role().label());
            JsonApi.json(ctx, 201, token(t.record()).put("token", t.secret()));
        });
    }

    private void listTokens(RoutingContext ctx) {
        calls.blocking(ctx, tokens::all, all -> {
            ObjectNode n = JsonApi.object();
            ArrayNode a = n.putArray("tokens");
            a.addObject().put("name", Tokens.SERVER_TOKEN_NAME).put("role", Role.ADMIN.label()).put("source", "the server's token file");
            all.forEach(t -> a.add(token(t)));
            JsonApi.json(ctx, 200, n);
        });
    }

    private void revokeToken(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        calls.blocking(ctx, () -> tokens.revoke(name, Instant.now()), revoked -> {
            JsonApi.outcome(ctx, "revoked");
            JsonApi.json(ctx, 200, token(revoked));
        });
    }

    private void audit(RoutingContext ctx) {
        OptionalInt limit = Calls.limit(ctx, 100, 10000);
        if (limit.isEmpty()) {
            return;
        }
        calls.blocking(ctx, () -> access.audit(limit.getAsInt()), entries -> {
            ObjectNode n = JsonApi.object();
            ArrayNode a = n.putArray("entries");
            for (AuditEntry e : entries) {
                ObjectNode o = a.addObject().put("at", e.at().toString()).put("token", e.token());
                if (e.user() != null) {
                    o.put("user", e.user());
                }
                o.put("action", e.action()).put("target", e.target()).put("status", e.status()).put("result", e.result()).put("remote", e.remote());
            }
            JsonApi.json(ctx, 200, n);
        });
    }

    private static ObjectNode token(TokenRecord t) {
        ObjectNode o = JsonApi.object().put("name", t.name()).put("role", t.role().label()).put("created", t.created().toString())
                .put("createdBy", t.createdBy());
        t.revoked().ifPresent(r -> o.put("revoked", r.toString()));
        return o;
    }
}
