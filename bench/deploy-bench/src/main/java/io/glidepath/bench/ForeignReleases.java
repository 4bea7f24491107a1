package io.glidepath.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Versions of a service made of servers nobody here wrote, as release files: Python's http.server
 * (readiness on {@code /web/}, a file it serves) and HAProxy answering by itself from its
 * configuration (readiness on {@code /health} or {@code /ready}, and 404 on the other versions'
 * health paths). The shapes of glidepath-server's ForeignServers test fixture, copied because test
 * classes are not visible here; users ask for {@code /index.html}, which every version answers.
 */
final class ForeignReleases {
    /** In Python's answers and not in HAProxy's: tells the anchor which backend answered. */
    static final String PYTHON_BODY = "<p>hello from python's http.server</p>\n";

    final Path dir;
    final String python;
    final String haproxy;

    ForeignReleases(Path dir) throws IOException {
        this.dir = dir;
        this.python = executable("python3");
        this.haproxy = executable("haproxy");
        Files.createDirectories(dir.resolve("site/web"));
        Files.writeString(dir.resolve("site/index.html"), PYTHON_BODY);
        Files.writeString(dir.resolve("site/web/index.html"), "<p>the web app</p>\n");
    }

    /** The command of a Python http.server on {@code port}: it answers {@code /}, {@code /index.html} and {@code /web/}, 404 elsewhere. */
    String pythonCommand(String port) {
        return "[" + python + ", -m, http.server, \"" + port + "\", --bind, 127.0.0.1, --directory, " + dir.resolve("site") + "]";
    }

    /** A release of a version served by Python's http.server, checked on {@code /web/}. */
    String python(String version, String strategyLines) {
        return release(version, pythonCommand("{{port}}"), "{}", "/web/", strategyLines);
    }

    /** A release of a version served by HAProxy (see {@link #haproxyConfig}). */
    String haproxy(String version, String readiness, int status, String strategyLines) throws IOException {
        return release(version, "[" + haproxy + ", -db, -f, " + haproxyConfig(version, readiness, status) + "]",
                "{PORT: \"{{port}}\", VERSION: \"{{version}}\"}", readiness, strategyLines);
    }

    /**
     * HAProxy's configuration for a version listening on {@code $PORT}: 200 on {@code readiness}, 404 on
     * the other versions' health paths, 200 on {@code /} (where the smoke test looks), and {@code status}
     * on any other path (500: a version broken where only users go, which its smoke test cannot see).
     */
    Path haproxyConfig(String version, String readiness, int status) throws IOException {
        Path cfg = dir.resolve("haproxy-" + version + ".cfg");
        Files.writeString(cfg, """
                global
                    maxconn 1024
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend web
                    bind "127.0.0.1:${PORT}"
                    http-request return status 200 content-type text/plain string "${VERSION} is healthy" if { path %1$s }
                    http-request return status 404 content-type text/plain string "not found" if { path /health /ready /web/ }
                    http-request return status 200 content-type text/plain string "hello from haproxy ${VERSION}" if { path / }
                    http-request return status %2$d content-type text/plain string "hello from haproxy ${VERSION}"
                """.formatted(readiness, status));
        return cfg;
    }

    private static String release(String version, String command, String env, String readiness, String strategyLines) {
        return """
                services:
                  - name: web
                    version: %s
                    run:
                      command: %s
                      env: %s
                      replicas: 2
                      stopGrace: 2s
                    route: {pathPrefix: /}
                    readiness: {path: %s, interval: 100ms, healthyAfter: 2, deadline: 20s}
                    smoke: [{name: home, request: {path: /}, expect: {status: 200, bodyContains: hello}}]
                    analysis: {interval: 1s, minRequests: 20, failAfter: 2, postPromotion: 2s, rules: [{errorRate: {max: 1%%}}]}
                    keepPrevious: 1s
                %s""".formatted(version, command, env, readiness, strategyLines);
    }

    /** The program's absolute path from PATH (or /usr/sbin, where Debian puts haproxy and nginx); fails with what to install. */
    static String executable(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin";
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new IllegalStateException(name + " is not installed (Debian: apt-get install " + name + ")"));
    }
}
