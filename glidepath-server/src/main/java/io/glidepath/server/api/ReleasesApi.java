package io.glidepath.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.glidepath.api.JsonApi;
import io.glidepath.engine.Engine;
import io.glidepath.journal.ReleaseHistory;
import io.glidepath.journal.ServiceStatus;
import io.glidepath.policy.Assessment;
import io.glidepath.policy.DeployWindow;
import io.glidepath.policy.Policy;
import io.glidepath.risk.RiskScorer;
import io.glidepath.spec.ChosenStrategy;
import java.time.Instant;
import io.glidepath.server.access.Caller;
import io.glidepath.server.access.Role;
import io.glidepath.server.access.Tokens;
import io.glidepath.spec.InvalidSpecException;
import io.glidepath.spec.SpecNode;
import io.glidepath.spec.YamlSource;
import io.glidepath.time.Clock;
import java.util.function.Supplier;
import io.glidepath.spec.Includes;
import io.glidepath.spec.ReleaseLimits;
import io.glidepath.spec.ReleaseReader;
import io.glidepath.spec.ReleaseSpec;
import io.glidepath.spec.SourceText;
import io.glidepath.store.Store;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Releases: submit a release file (YAML or JSON; invalid files get 400 with the same located errors
 * as {@code glidepath validate}, a busy service 409 naming the release that holds it), list, show,
 * read the journal, promote and abort.
 */
final class ReleasesApi implements ApiRoutes {

    private final Engine engine;
    private final Store store;
    private final ReleaseJson json;
    private final Guard guard;
    private final Calls calls;

    private final Supplier<Policy> policy;
    private final Clock clock;
    private final RiskScorer risk;

    ReleasesApi(Engine engine, Store store, ReleaseJson json, Guard guard, Calls calls, Supplier<Policy> policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
        this.engine = engine;
        this.store = store;
        this.json = json;
        this.guard = guard;
        this.calls = calls;
        this.risk = new RiskScorer(store);
    }

    @Override
    public void mount(Router r) {
        r.post("/v1/releases").handler(guard.audited("release.submit")).handler(Guard.need(Role.DEPLOYER)).handler(this::submit);
        r.get("/v1/releases").handler(Guard.need(Role.VIEWER)).handler(this::list);
        r.get("/v1/releases/:id").handler(Guard.need(Role.VIEWER)).handler(this::get);
        r.get("/v1/releases/:id/events").handler(Guard.need(Role.VIEWER)).handler(this::events);
        r.post("/v1/releases/:id/promote").handler(guard.audited("release.promote")).handler(Guard.need(Role.DEPLOYER)).handler(ctx -> control(ctx, true));
        r.post("/v1/releases/:id/abort").handler(guard.audited("release.abort")).handler(Guard.need(Role.DEPLOYER)).handler(ctx -> control(ctx, false));
        r.post("/v1/releases/:id/approve").handler(guard.audited("release.approve")).handler(Guard.need(Role.DEPLOYER)).handler(this::approve);
        r.post("/v1/policy/assess").handler(Guard.need(Role.VIEWER)).handler(this::assess);
    }

    /**
     * Approves a release waiting for approval: a named token's holder other than its submitter (the
     * server's own token names no person: its user header is a claim). Body: optional {"reason": "..."}.
     */
    private void approve(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        Caller caller = Guard.caller(ctx);
        Optional<String> reason;
        try {
            reason = reason(ctx);
        } catch (IllegalArgumentException e) {
            JsonApi.error(ctx, 400, e.getMessage());
            return;
        }
        if (caller.token().equals(Tokens.SERVER_TOKEN_NAME)) {
            JsonApi.error(ctx, 403, "approvals need a named token: the server's own token names no person (its user is only a claim); "
                    + "approve with a token of your own (glidepath token create NAME --role deployer, then GLIDEPATH_TOKEN=...)");
            return;
        }
        calls.blocking(ctx, () -> engine.approve(id, caller.who(), reason.orElse(null)), result -> {
            switch (result) {
                case APPROVED -> {
                    JsonApi.outcome(ctx, "approved" + reason.map(x -> ": " + x).orElse(""));
                    JsonApi.json(ctx, 202, JsonApi.object().put("release", id).put("approved", true).put("by", caller.who()));
                }
                case OWN_RELEASE -> JsonApi.error(ctx, 403, caller.who() + " submitted release " + id + ": someone else with the deployer role "
                        + "must approve it");
                case NOT_WAITING -> calls.blocking(ctx, () -> store.release(id), r -> JsonApi.error(ctx, r.isEmpty() ? 404 : 409, r.isEmpty()
                        ? "no release " + id : "release " + id + " does not wait for approval" + r.get().outcome().map(o -> " (it ended " + o + ")")
                        .orElse(engine.isQueued(id) ? " yet (it is queued)" : "")));
            }
        });
    }

    private static Optional<String> reason(RoutingContext ctx) {
        byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        if (body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return Optional.empty();
        }
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = io.glidepath.journal.EventJson.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the body must be JSON such as {\"reason\": \"reviewed the migration\"}, or empty");
        }
        if (n == null || !n.isObject() || (n.has("reason") && !n.get("reason").isTextual()) || n.size() > (n.has("reason") ? 1 : 0)) {
            throw new IllegalArgumentException("the body must be a JSON object with at most a text field reason, such as {\"reason\": \"reviewed\"}");
        }
        String r = n.path("reason").asText("").strip();
        if (r.length() > 500) {
            throw new IllegalArgumentException("/reason: at most 500 characters; got " + r.length());
        }
        return r.isEmpty() ? Optional.empty() : Optional.of(r);
    }

    /** What the server's policy says of a release file now (glidepath plan): windows, approvals, evidence, what it forbids. */
    private void assess(RoutingContext ctx) {
        String file = Optional.ofNullable(ctx.request().getHeader(ServerApi.FILE_HEADER)).filter(f -> !f.isBlank()).orElse("release.yaml");
        String baseDir = Optional.ofNullable(ctx.request().getHeader(ServerApi.BASE_DIR_HEADER)).orElse(System.getProperty("user.dir"));
        byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        if (!Path.of(baseDir).isAbsolute()) {
            JsonApi.error(ctx, 400, "header " + ServerApi.BASE_DIR_HEADER + " must be an absolute directory; got " + baseDir);
            return;
        }
        calls.blocking(ctx, () -> {
            String text = SourceText.decode(file, body, ReleaseLimits.STANDARD);
            ReleaseSpec spec = ReleaseReader.read(file, text, Includes.folder(Path.of(baseDir)));
            Policy p = policy.get();
            Instant now = clock.now();
            RiskScorer.Scored scored = risk.assess(spec, now, p.teamZone());
            ObjectNode n = p.assess(spec.withChosenStrategies(scored.advice().chosen()), Path.of(baseDir), tree(file, text), now,
                    Optional.of(scored.risk().level())).json();
            n.set("risk", scored.json());
            return n;
        }, n -> JsonApi.json(ctx, 200, n));
    }

    private static Optional<SpecNode> tree(String file, String text) {
        try {
            return Optional.of(YamlSource.parse(file, text));
        } catch (InvalidSpecException e) {
            return Optional.empty();
        }
    }

    private void submit(RoutingContext ctx) {
        String file = Optional.ofNullable(ctx.request().getHeader(ServerApi.FILE_HEADER)).filter(f -> !f.isBlank()).orElse("release.yaml");
        String baseDir = Optional.ofNullable(ctx.request().getHeader(ServerApi.BASE_DIR_HEADER)).orElse(System.getProperty("user.dir"));
        String user = Guard.caller(ctx).who();
        Guard.target(ctx, file);
        byte[] body = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        String queueParam = ctx.request().getParam("queue", "false");
        if (!queueParam.equals("true") && !queueParam.equals("false")) {
            JsonApi.error(ctx, 400, "query parameter queue must be true or false; got " + queueParam);
            return;
        }
        boolean queue = queueParam.equals("true");
        String overrideParam = ctx.request().getParam("overrideWindow", "false");
        if (!overrideParam.equals("true") && !overrideParam.equals("false")) {
            JsonApi.error(ctx, 400, "query parameter overrideWindow must be true or false; got " + overrideParam);
            return;
        }
        boolean override = overrideParam.equals("true");
        String reason = Optional.ofNullable(ctx.request().getParam("reason")).map(String::strip).orElse("");
        if (override && reason.isEmpty()) {
            JsonApi.error(ctx, 400, "overriding a deploy window needs a reason: glidepath deploy --override-window --reason \"...\" (query parameter reason)");
            return;
        }
        if (reason.length() > 500) {
            JsonApi.error(ctx, 400, "query parameter reason: at most 500 characters; got " + reason.length());
            return;
        }
        Caller caller = Guard.caller(ctx);
        if (!Path.of(baseDir).isAbsolute()) {
            JsonApi.error(ctx, 400, "header " + ServerApi.BASE_DIR_HEADER + " must be an absolute directory; got " + baseDir);
            return;
        }
        calls.blocking(ctx, () -> {
            // the limits glidepath validate applies: "valid" there means deployable here
            String text = SourceText.decode(file, body, ReleaseLimits.STANDARD);
            // a fleet file beside the release file is read from its folder here, and stored with the release as read
            Map<String, String> attachments = new LinkedHashMap<>();
            ReleaseSpec spec = ReleaseReader.read(file, text, Includes.recording(Includes.folder(Path.of(baseDir)), attachments));
            Policy p = policy.get();
            Instant now = clock.now();
            // how risky it is, from this server's history: approval rules on risk match on its level, and strategy: auto becomes the advice
            RiskScorer.Scored scored = risk.assess(spec, now, p.teamZone());
            Map<String, ChosenStrategy> chosen = scored.advice().chosen();
            ReleaseSpec resolved = spec.withChosenStrategies(chosen);
            engine.check(resolved); // what reads well but this server cannot carry out, such as a Prometheus no URL names
            Assessment a = p.assess(resolved, Path.of(baseDir), tree(file, text), now, Optional.of(scored.risk().level()));
            if (!a.forbidden().isEmpty()) {
                throw new InvalidSpecException(a.forbidden()); // what the platform limits forbid, at the release file's lines
            }
            String overridden = null;
            if (a.closed().isPresent()) {
                DeployWindow.Closed closed = a.closed().get();
                ObjectNode details = JsonApi.object().put("window", closed.window().name()).put("opens", closed.opens().toString());
                if (!override) {
                    throw new PolicyRefusal(409, closed.sentence() + "; an admin may override it with glidepath deploy --override-window "
                            + "--reason \"...\"", details);
                }
                if (!caller.role().includes(Role.ADMIN)) {
                    throw new PolicyRefusal(403, "overriding deploy window '" + closed.window().name() + "' needs the admin role; token '" + caller.token()
                            + "' has the " + caller.role().label() + " role", details);
                }
                overridden = caller.who() + " (token " + caller.token() + ", closed window '" + closed.window().name() + "' until " + closed.opens()
                        + "): " + reason;
            }
            ObjectNode n = json.withQueue(json.release(engine.submit(spec, file, text, attachments, Path.of(baseDir), user, queue, a.terms(overridden),
                    chosen, Optional.of(scored.event(now)))));
            n.set("policy", a.json());
            n.set("risk", scored.json());
            if (overridden != null) {
                n.put("override", overridden);
            }
            return n;
        }, rec -> {
            Guard.target(ctx, rec.path("id").asText());
            JsonApi.outcome(ctx, rec.path("state").asText("RUNNING") + (rec.has("override") ? "; deploy window overridden by " + rec.path("override").asText() : ""));
            ctx.response().putHeader("Location", "/v1/releases/" + rec.path("id").asText());
            JsonApi.json(ctx, 202, rec);
        });
    }

    private void list(RoutingContext ctx) {
        OptionalInt limit = Calls.limit(ctx, 20, 1000);
        if (limit.isEmpty()) {
            return;
        }
        String service = ctx.request().getParam("service");
        calls.blocking(ctx, () -> store.releases(service == null ? limit.getAsInt() : 1000).stream()
                .filter(r -> service == null || r.services().contains(service)).limit(limit.getAsInt())
                .map(r -> json.withQueue(json.release(r))).toList(), list -> {
            ObjectNode n = JsonApi.object();
            ArrayNode a = n.putArray("releases");
            list.forEach(a::add);
            JsonApi.json(ctx, 200, n);
        });
    }

    private void get(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        // the engine's answers (phases, queue) are read on a worker thread: the engine may be busy for a moment
        calls.blocking(ctx, () -> store.release(id).map(rec -> {
            ObjectNode n = json.release(rec);
            ObjectNode phases = n.putObject("phases");
            // a running release's phases from the engine; a finished one's from its journal: how each service ended
            ReleaseHistory history = ReleaseHistory.of(store.events(id, 0));
            Map<String, ServiceStatus> now = engine.isRunning(id) || engine.isQueued(id) ? engine.phases(id) : history.statuses(rec.services());
            now.forEach((s, st) -> phases.putObject(s).put("wave", st.wave()).put("phase", st.phase().name()));
            if (!history.expanded().isEmpty() || !history.contracts().isEmpty()) {
                // its databases: which were expanded, and where each contract stands (pending, waiting, done, skipped...)
                ObjectNode m = n.putObject("migrations");
                history.expanded().stream().sorted().forEach(m.putArray("expanded")::add);
                ObjectNode c = m.putObject("contracts");
                history.contracts().forEach((db, step) -> c.put(db, step.name()));
            }
            return json.withQueue(n);
        }), r -> {
            if (r.isEmpty()) {
                JsonApi.error(ctx, 404, "no release " + id);
                return;
            }
            JsonApi.json(ctx, 200, r.get());
        });
    }

    private void events(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        OptionalLong after = after(ctx);
        if (after.isEmpty()) {
            return;
        }
        calls.blocking(ctx, () -> store.release(id).map(r -> store.events(id, after.getAsLong())), ev -> {
            if (ev.isEmpty()) {
                JsonApi.error(ctx, 404, "no release " + id);
                return;
            }
            ObjectNode n = JsonApi.object();
            ArrayNode a = n.putArray("events");
            ev.get().forEach(e -> a.add(ReleaseJson.event(e)));
            JsonApi.json(ctx, 200, n);
        });
    }

    /** The event number to go on after: {@code Last-Event-ID}, else {@code ?after=}, else 0; a bad one is answered with 400. */
    static OptionalLong after(RoutingContext ctx) {
        String a = Optional.ofNullable(ctx.request().getHeader("Last-Event-ID")).orElse(ctx.request().getParam("after", "0"));
        try {
            long v = Long.parseLong(a.trim());
            if (v >= 0) {
                return OptionalLong.of(v);
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        JsonApi.error(ctx, 400, "after (or Last-Event-ID) must be an event number, 0 or more; got " + a);
        return OptionalLong.empty();
    }

    private void control(RoutingContext ctx, boolean promote) {
        String id = ctx.pathParam("id");
        String user = Guard.caller(ctx).who();
        boolean done = promote ? engine.promote(id, user) : engine.abort(id, user);
        if (!done) {
            calls.blocking(ctx, () -> store.release(id), r -> JsonApi.error(ctx, r.isEmpty() ? 404 : 409, r.isEmpty() ? "no release " + id
                    : "release " + id + " is not running" + r.get().outcome().map(o -> " (it ended " + o + ")").orElse("")));
            return;
        }
        JsonApi.outcome(ctx, promote ? "promote sent" : "abort sent");
        JsonApi.json(ctx, 202, JsonApi.object().put("release", id).put(promote ? "promoted" : "aborted", true));
    }
}
