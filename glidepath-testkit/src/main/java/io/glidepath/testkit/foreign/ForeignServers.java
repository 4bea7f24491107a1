package io.glidepath.testkit.foreign;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Versions of a service made of servers nobody here wrote, as release files: Python's http.server
 * (readiness on {@code /web/}, a file it serves) and HAProxy answering by itself from its
 * configuration (readiness on {@code /health} or {@code /ready}, and 404 on the other versions'
 * health paths), as real versions that changed their health endpoint do. Users ask for
 * {@code /index.html}, which every version answers. The end-to-end tests and the foreign-servers
 * benchmark ship these; the README's test command installs python3 and haproxy.
 */
public final class ForeignServers {
    /** In Python's answers and not in HAProxy's: tells the anchor which backend answered. */
    public static final String PYTHON_BODY = "<p>hello from python's http.server</p>\n";

    /** The route every version's release file asks for unless told otherwise. */
    public static final String ROUTE = "{pathPrefix: /}";

    private final Path dir;
    private final String python;
    private final String haproxy;

    public ForeignServers(Path dir) throws IOException {
        this.dir = dir;
        this.python = executable("python3");
        this.haproxy = executable("haproxy");
        Files.createDirectories(dir.resolve("site/web"));
        Files.writeString(dir.resolve("site/index.html"), PYTHON_BODY);
        Files.writeString(dir.resolve("site/web/index.html"), "<p>the web app</p>\n");
    }

    /** The command of a Python http.server on {@code port}: it answers {@code /}, {@code /index.html} and {@code /web/}, 404 elsewhere. */
    public String pythonCommand(String port) {
        return "[" + python + ", -m, http.server, \"" + port + "\", --bind, 127.0.0.1, --directory, " + dir.resolve("site") + "]";
    }

    /** A release of a version served by Python's http.server, checked on {@code /web/}. */
    public String python(String version, String strategyLines) {
        return release(version, ROUTE, pythonCommand("{{port}}"), "{}", "/web/", strategyLines);
    }

    /** A release of a version served by HAProxy (see {@link #haproxyConfig}). */
    public String haproxy(String version, String readiness, int status, String strategyLines) throws IOException {
        return haproxy(version, readiness, status, ROUTE, strategyLines);
    }

    /** As {@link #haproxy(String, String, int, String)}, with the release file's own {@code route}. */
    public String haproxy(String version, String readiness, int status, String route, String strategyLines) throws IOException {
        return release(version, route, "[" + haproxy + ", -db, -f, " + haproxyConfig(version, readiness, status) + "]",
                "{PORT: \"{{port}}\", VERSION: \"{{version}}\"}", readiness, strategyLines);
    }

    /** An HAProxy process for a version, as argv (for a proxy other than Glidepath's to put in front). */
    public List<String> haproxyArgv(String version, String readiness, int status) throws IOException {
        return List.of(haproxy, "-db", "-f", haproxyConfig(version, readiness, status).toString());
    }

    /** A Python http.server process on {@code port}, as argv. */
    public List<String> pythonArgv(int port) {
        return List.of(python, "-m", "http.server", String.valueOf(port), "--bind", "127.0.0.1", "--directory", dir.resolve("site").toString());
    }

    /**
     * HAProxy's configuration for a version listening on {@code $PORT}: 200 on {@code readiness}, 404 on
     * the other versions' health paths, 200 on {@code /} (where the smoke test looks), and {@code status}
     * on any other path (500: a version broken where only users go, which its smoke test cannot see).
     */
    public Path haproxyConfig(String version, String readiness, int status) throws IOException {
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

    /** The program's absolute path from PATH (or /usr/sbin, where Debian puts haproxy and nginx); fails with what to install. */
    public static String executable(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin";
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new IllegalStateException(name + " is not installed (Debian: apt-get install " + name + ")"));
    }
}
