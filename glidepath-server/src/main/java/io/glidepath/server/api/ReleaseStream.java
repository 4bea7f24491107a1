package io.glidepath.server.api;

import io.glidepath.api.JsonApi;
import io.glidepath.engine.Engine;
import io.glidepath.journal.EventJson;
import io.glidepath.journal.ReleaseEvent;
import io.glidepath.server.access.Role;
import io.glidepath.store.Store;
import io.glidepath.journal.StoredEvent;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code GET /v1/releases/{id}/stream}: a release's journal as server-sent events from
 * {@code after} on ({@code Last-Event-ID} resumes), then each new event as it happens; the stream
 * ends with the release. Events that arrive during the replay are held and sent after it.
 */
final class ReleaseStream implements ApiRoutes {
    private final Engine engine;
    private final Store store;
    private final Calls calls;

    ReleaseStream(Engine engine, Store store, Calls calls) {
        this.engine = engine;
        this.store = store;
        this.calls = calls;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/releases/:id/stream").handler(Guard.need(Role.VIEWER)).handler(this::stream);
    }

    private void stream(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        OptionalLong after = ReleasesApi.after(ctx);
        if (after.isEmpty()) {
            return;
        }
        Context c = ctx.vertx().getOrCreateContext();
        HttpServerResponse resp = ctx.response();
        SseState st = new SseState(after.getAsLong());
        Runnable[] unfollow = new Runnable[1];
        unfollow[0] = engine.follow(id, e -> c.runOnContext(v -> st.offer(e, resp, unfollow[0])));
        resp.closeHandler(v -> unfollow[0].run());
        calls.blocking(ctx, () -> store.release(id).map(r -> store.events(id, after.getAsLong())), replay -> {
            if (replay.isEmpty()) {
                unfollow[0].run();
                JsonApi.error(ctx, 404, "no release " + id);
                return;
            }
            resp.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-store")
                    .putHeader("X-Accel-Buffering", "no");
            resp.write(": glidepath release " + id + "\n\n");
            for (StoredEvent e : replay.get()) {
                st.send(e, resp, unfollow[0]);
            }
            st.replayed(resp, unfollow[0]);
        }, () -> unfollow[0].run());
    }

    /** The order of one SSE stream: replayed events first, then live ones, each exactly once. */
    private static final class SseState {
        private long lastSent;
        private boolean replayed;
        private boolean ended;
        private final List<StoredEvent> held = new ArrayList<>();

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
            resp.write("id: " + e.seq() + "\nevent: " + EventJson.kind(e.event()) + "\ndata: " + ReleaseJson.event(e) + "\n\n");
            if (e.event() instanceof ReleaseEvent.Finished) {
                ended = true;
                unfollow.run();
                resp.end();
            }
        }
    }
}
