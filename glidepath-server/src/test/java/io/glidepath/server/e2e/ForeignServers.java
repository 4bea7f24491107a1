package io.glidepath.server.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Versions of a service made of servers nobody here wrote, as release files: Python's http.server
 * (which answers only the files it serves: readiness on {@code /web/}) and HAProxy answering by
 * itself from its configuration (readiness on {@code /health} or {@code /ready}, and a 404 for the
 * other's paths, as real versions that changed their health endpoint do). The README's test command
 * installs both; a missing one fails here with what to install.
 */
final class ForeignServers {
    private final Path dir;
    private final String python;
    private final String haproxy;

    ForeignServers(Path dir) throws IOException {
        this.dir = dir;
        this.python = executable("python3");
        this.haproxy = executable("haproxy");
        Files.createDirectories(dir.resolve("site/web"));
        Files.writeString(dir.resolve("site/index.html"), "<p>hello from python's http.server</p>\n");
        Files.writeString(dir.resolve("site/web/index.html"), "<p>the web app</p>\n");
    }

    /** A version served by {@code python3 -m http.server}: it answers {@code /} and {@code /web/}, and 404 for {@code /health} and {@code /ready}. */
    String python(String version, String strategyLines) {
        return release(version, ROUTE, "[" + python + ", -m, http.server, \"{{port}}\", --bind, 127.0.0.1, --directory, " + dir.resolve("site") + "]",
                "{}", "/web/", strategyLines);
    }

    /**
     * A version served by HAProxy: 200 on {@code readiness}, 404 on the other versions' health paths,
     * 200 on {@code /} (where the smoke test looks), and on any other path {@code status} (200, or 500
     * for a version broken where only users go) with a body saying hello.
     */
    String haproxy(String version, String readiness, int status, String strategyLines) throws IOException {
        return haproxy(version, readiness, status, ROUTE, strategyLines);
    }

    /** As {@link #haproxy(String, String, int, String)}, with the release file's own {@code route}. */
    String haproxy(String version, String readiness, int status, String route, String strategyLines) throws IOException {
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
        return release(version, route, "[" + haproxy + ", -db, -f, " + cfg + "]", "{PORT: \"{{port}}\", VERSION: \"{{version}}\"}", readiness, strategyLines);
    }

    static final String ROUTE = "{pathPrefix: /}";

    private static String release(String version, String route, String command, String env, String readiness, String strategyLines) {
        return """
                services:
                  - name: web
                    version: %s
                    run:
                      command: %s
                      env: %s
                      replicas: 2
                      stopGrace: 2s
                    route: %s
                    readiness: {path: %s, interval: 100ms, healthyAfter: 2, deadline: 20s}
                    smoke: [{name: home, request: {path: /}, expect: {status: 200, bodyContains: hello}}]
                    analysis: {interval: 1s, minRequests: 20, failAfter: 2, postPromotion: 2s, rules: [{errorRate: {max: 1%%}}]}
                    keepPrevious: 1s
                %s""".formatted(version, command, env, route, readiness, strategyLines);
    }

    /** The program's absolute path from PATH (or /usr/sbin, where Debian puts haproxy); fails with what to install. */
    private static String executable(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin";
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new AssertionError(name + " is not installed: run the README's test command, which installs it "
                        + "(Debian: apt-get install " + name + ")"));
    }
}
