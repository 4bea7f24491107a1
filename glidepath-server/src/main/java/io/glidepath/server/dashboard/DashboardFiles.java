package io.glidepath.server.dashboard;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web dashboard's static files (HTML, CSS, plain JavaScript modules, an icon), carried as
 * resources of this module and held in memory: a fixed list, so no path from a request ever reaches
 * the file system or the class path. They are served without authentication (they hold no data;
 * every API call the page makes sends the token), with a Content-Security-Policy that allows only
 * this server's own scripts, styles and API (no inline script, no other origin), and revalidated by
 * ETag so a new server's files are picked up at once.
 */
public final class DashboardFiles {
    static final String RESOURCES = "/io/glidepath/server/dashboard/";
    /** Every file the page uses; index.html is also the answer to {@code /} and {@code /ui/}. */
    static final List<String> FILES = List.of("index.html", "style.css", "app.js", "api.js", "sse.js", "dom.js", "chart.js", "controls.js",
            "live.js", "fleet.js", "history.js", "report.js", "favicon.svg");
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record File(Buffer body, String contentType, String etag) {
    }

    private final Map<String, File> files = new LinkedHashMap<>();

    private DashboardFiles() {
    }

    /** Reads every file from the class path; a missing one is a packaging bug and stops the server from starting. */
    public static DashboardFiles load() {
        DashboardFiles d = new DashboardFiles();
        for (String name : FILES) {
            try (InputStream in = DashboardFiles.class.getResourceAsStream(RESOURCES + name)) {
                if (in == null) {
                    throw new IllegalStateException("the dashboard file " + RESOURCES + name + " is missing from the server's jar");
                }
                byte[] bytes = in.readAllBytes();
                d.files.put(name, new File(Buffer.buffer(bytes), contentType(name), "\"" + sha256(bytes).substring(0, 32) + "\""));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the dashboard file " + name, e);
            }
        }
        return d;
    }

    /** Serves {@code /}, {@code /ui}, {@code /ui/} (the page) and {@code /ui/NAME}; add before the API's authentication. */
    public void mount(Router r) {
        r.get("/").handler(ctx -> serve(ctx, "index.html"));
        r.get("/ui").handler(ctx -> serve(ctx, "index.html"));
        r.get("/ui/").handler(ctx -> serve(ctx, "index.html"));
        r.get("/ui/:file").handler(ctx -> {
            String name = ctx.pathParam("file");
            if (files.containsKey(name)) {
                serve(ctx, name);
            } else {
                ctx.response().setStatusCode(404).putHeader("Content-Type", "text/plain; charset=utf-8")
                        .putHeader("X-Content-Type-Options", "nosniff").end("no such dashboard file\n");
            }
        });
    }

    private void serve(RoutingContext ctx, String name) {
        File f = files.get(name);
        var resp = ctx.response();
        resp.putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("ETag", f.etag());
        if (f.etag().equals(ctx.request().getHeader("If-None-Match"))) {
            resp.setStatusCode(304).end();
            return;
        }
        resp.putHeader("Content-Type", f.contentType()).end(f.body());
    }

    private static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "js" -> "text/javascript; charset=utf-8";
            case "svg" -> "image/svg+xml";
            default -> throw new IllegalArgumentException("no content type for dashboard file " + name);
        };
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
