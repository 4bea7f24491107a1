package io.glidepath.server.api;

import io.glidepath.api.JsonApi;
import io.glidepath.report.SignOffReport;
import io.glidepath.server.access.Role;
import io.glidepath.store.Store;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Optional;

/**
 * A release's sign-off report ({@code GET /v1/releases/{id}/report}; docs/report.md): JSON by default,
 * Markdown with {@code ?format=markdown} or an {@code Accept} preferring {@code text/markdown}. Built
 * from the store's record and journal on each call, so a release still running gets one marked in
 * progress. A viewer's read, like the release itself.
 */
final class ReportApi implements ApiRoutes {
    static final String MARKDOWN = "text/markdown";

    private final Store store;
    private final Calls calls;

    ReportApi(Store store, Calls calls) {
        this.store = store;
        this.calls = calls;
    }

    @Override
    public void mount(Router r) {
        r.get("/v1/releases/:id/report").handler(Guard.need(Role.VIEWER)).handler(this::report);
    }

    private void report(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        String format = ctx.request().getParam("format");
        if (format != null && !format.equals("json") && !format.equals("markdown")) {
            JsonApi.error(ctx, 400, "query parameter format must be json or markdown; got " + format);
            return;
        }
        boolean markdown = format != null ? format.equals("markdown") : prefersMarkdown(ctx.request().getHeader("Accept"));
        calls.blocking(ctx, () -> store.release(id).map(rec -> SignOffReport.of(rec, store.events(id, 0))), report -> {
            if (report.isEmpty()) {
                JsonApi.error(ctx, 404, "no release " + id + "; GET /v1/releases (glidepath history) lists the releases");
                return;
            }
            ctx.response().putHeader("Vary", "Accept");
            if (markdown) {
                ctx.response().setStatusCode(200).putHeader("Content-Type", MARKDOWN + "; charset=utf-8").putHeader("Cache-Control", "no-store")
                        .end(report.get().markdown());
            } else {
                JsonApi.json(ctx, 200, report.get().json());
            }
        });
    }

    /**
     * True when {@code accept} ranks {@code text/markdown} above JSON (RFC 9110 quality values; a type
     * without q is 1, {@code text/*} and {@code *}{@code /*} count for Markdown and JSON as the most specific
     * range covering each). No Accept, or a tie: JSON.
     */
    static boolean prefersMarkdown(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        double md = -1;
        double json = -1;
        int mdSpecific = -1;
        int jsonSpecific = -1;
        for (String part : accept.split(",")) {
            String[] p = part.strip().split(";");
            String type = p[0].strip().toLowerCase(Locale.ROOT);
            double q = quality(p).orElse(1.0);
            int forMd = type.equals(MARKDOWN) ? 2 : type.equals("text/*") ? 1 : type.equals("*/*") ? 0 : -1;
            int forJson = type.equals("application/json") ? 2 : type.equals("application/*") ? 1 : type.equals("*/*") ? 0 : -1;
            if (forMd > mdSpecific) {
                mdSpecific = forMd;
                md = q;
            }
            if (forJson > jsonSpecific) {
                jsonSpecific = forJson;
                json = q;
            }
        }
        return md > 0 && md > json;
    }

    private static Optional<Double> quality(String[] params) {
        for (int i = 1; i < params.length; i++) {
            String[] kv = params[i].strip().split("=", 2);
            if (kv.length == 2 && kv[0].strip().equalsIgnoreCase("q")) {
                try {
                    return Optional.of(Double.parseDouble(kv[1].strip()));
                } catch (NumberFormatException e) {
                    return Optional.of(0.0); // a q that is not a number: not wanted
                }
            }
        }
        return Optional.empty();
    }
}
