package io.glidepath.server.api;

import io.glidepath.api.JsonApi;
import io.glidepath.server.access.Role;
import io.glidepath.server.metrics.ServerMetrics;
import io.vertx.ext.web.Router;

/** How the server itself is: {@code GET /v1/health} and its Prometheus figures at {@code GET /metrics}, for any role. */
final class StatusApi implements ApiRoutes {
    private final ServerMetrics metrics;

    StatusApi(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void mount(Router r) {
        r.get("/metrics").handler(Guard.need(Role.VIEWER)).handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").putHeader("Cache-Control", "no-store")
                .end(metrics.scrape()));
        r.get("/v1/health").handler(Guard.need(Role.VIEWER)).handler(ctx -> JsonApi.json(ctx, 200, JsonApi.object().put("status", "ok")));
    }
}
