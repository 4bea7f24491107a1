package io.glidepath.server.api;

import io.glidepath.server.access.Role;
import io.glidepath.server.live.LiveFeed;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/live}: server-sent events, a snapshot of the releases in progress every second
 * (the feed reads it once for every watcher). A watcher that cannot keep up misses frames instead
 * of queueing them: the next one says everything again.
 */
final class LiveApi implements ApiRoutes {
    private final LiveFeed live;

    LiveApi(LiveFeed live) {
        this.live = live;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/live").handler(Guard.need(Role.VIEWER)).handler(this::live);
    }

    private void live(RoutingContext ctx) {
        Context c = ctx.vertx().getOrCreateContext();
        HttpServerResponse resp = ctx.response();
        resp.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-store")
                .putHeader("X-Accel-Buffering", "no");
        resp.write(": glidepath live view, a snapshot every " + live.period().toMillis() + " ms\n\n");
        Runnable unwatch = live.watch(f -> c.runOnContext(v -> {
            if (!resp.closed() && !resp.ended() && !resp.writeQueueFull()) {
                resp.write("id: " + f.seq() + "\nevent: snapshot\ndata: " + f.json() + "\n\n");
            }
        }));
        resp.closeHandler(v -> unwatch.run());
    }
}
