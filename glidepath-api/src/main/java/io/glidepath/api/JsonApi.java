package io.glidepath.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.route.FieldError;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The answers of Glidepath's JSON APIs (the router's admin API, the server's API) on Vert.x Web.
 * Every error answer is {@code {"error": message}} with a message that says what to do, plus the
 * JSON pointer of each bad field when a body was wrong.
 */
public final class JsonApi {
    /**
     * The routing context's key for how a call ended, in one line: an error answer's message, or
     * what a handler puts there (the server's audit log records it).
     */
    public static final String OUTCOME = "glidepath.outcome";

    private JsonApi() {
    }

    /** A JSON object to fill in and answer with. */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** A JSON array to fill in. */
    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** Answers with a JSON body, unless an answer already went out. */
    public static void json(RoutingContext ctx, int status, JsonNode body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
                .end(body.toString());
    }

    /** {@code {"error": message}}; a missing message is replaced by the status's own words, so none is ever null. */
    public static void error(RoutingContext ctx, int status, String message) {
        String m = message == null || message.isBlank() ? HttpResponseStatus.valueOf(status).reasonPhrase().toLowerCase(java.util.Locale.ROOT)
                : message;
        outcome(ctx, m);
        json(ctx, status, object().put("error", m));
    }

    /** 400 with the JSON pointer and message of each bad field. */
    public static void fieldErrors(RoutingContext ctx, List<FieldError> errors) {
        if (errors.isEmpty()) {
            error(ctx, 400, "the request is invalid");
            return;
        }
        ObjectNode n = object();
        n.put("error", errors.size() == 1 ? "1 field is invalid" : errors.size() + " fields are invalid");
        ArrayNode a = n.putArray("errors");
        errors.forEach(e -> a.addObject().put("pointer", e.pointer()).put("message", e.message()));
        outcome(ctx, errors.get(0).pointer() + ": " + errors.get(0).message());
        json(ctx, 400, n);
    }

    /** 401 asking for a bearer token of {@code realm}; {@code message} says which token to send. */
    public static void unauthorized(RoutingContext ctx, String realm, String message) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\"");
        error(ctx, 401, message);
    }

    /** Records how the call ended (see {@link #OUTCOME}). */
    public static void outcome(RoutingContext ctx, String text) {
        ctx.put(OUTCOME, text);
    }
}
