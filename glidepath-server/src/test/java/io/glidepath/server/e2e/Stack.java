package io.glidepath.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.journal.EventJson;
import io.glidepath.examples.SampleService;
import io.glidepath.route.EndpointAddress;
import io.glidepath.router.Router;
import io.glidepath.server.Server;
import io.glidepath.server.api.ServerApi;
import io.glidepath.testkit.load.LoadGenerator;
import io.glidepath.time.Clock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A whole local Glidepath in a test: the router and the server in this JVM on ephemeral loopback
 * ports, services started by the real local platform as processes, and a way to put load on the
 * router. Closing it stops the server, every instance it started, and the router.
 */
final class Stack implements AutoCloseable {
    final Path data;
    Router router;
    final Server server;
    final String token;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Stack(Path data, Router router, Server server) throws Exception {
        this.data = data;
        this.router = router;
        this.server = server;
        this.token = Files.readString(data.resolve("server/server.token")).strip();
    }

    /** A stack of a router and a server started elsewhere (on another platform); closing it is theirs. */
    static Stack around(Path data, Router router, Server server) throws Exception {
        return new Stack(data, router, server);
    }

    static Stack start(Path data) throws Exception {
        Router router = Router.start(Router.Config.loopback(data.resolve("router")));
        return new Stack(data, router, startServer(data, router));
    }

    static Server startServer(Path data, Router router) throws Exception {
        return Server.start(new Server.Config(data, "127.0.0.1", 0, URI.create("http://127.0.0.1:" + router.adminAddress().getPort()),
                data.resolve("router/admin.token"), new EndpointAddress("127.0.0.1", router.proxyAddress().getPort()), Clock.system()));
    }

    /**
     * Stops the router and starts it again on the same addresses from its state file, as its
     * supervisor does after a crash: the routes and each endpoint's last known health come back.
     */
    void restartRouter() throws Exception {
        int proxy = router.proxyAddress().getPort();
        int admin = router.adminAddress().getPort();
        router.close();
        router = Router.start(Router.Config.loopback(data.resolve("router")).withListen("127.0.0.1", proxy).withAdmin("127.0.0.1", admin));
    }

    int proxyPort() {
        return router.proxyAddress().getPort();
    }

    /**
     * A release file for the sample service: {@code version}, fault settings as env, strategy
     * and steps as YAML lines. Short intervals so a test takes seconds.
     */
    static String release(String version, Map<String, String> faults, String strategyLines) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = Path.of(SampleService.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        String env = faults.entrySet().stream().map(e -> ", " + e.getKey() + ": \"" + e.getValue() + "\"").collect(Collectors.joining());
        return """
                services:
                  - name: shop
                    version: %s
                    run:
                      command: [%s, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx96m, -cp, %s, io.glidepath.examples.SampleService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}", SERVICE_NAME: shop%s}
                      replicas: 2
                      stopGrace: 5s
                    route: {pathPrefix: /}
                    readiness: {path: /ready, interval: 100ms, healthyAfter: 2, deadline: 20s}
                    smoke: [{name: home, request: {path: /}, expect: {status: 200, bodyContains: hello}}]
                    analysis: {interval: 1s, minRequests: 20, failAfter: 2, postPromotion: 2s, rules: [{errorRate: {max: 1%%}}]}
                    keepPrevious: 1s
                %s""".formatted(version, java, cp, env, strategyLines);
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(api(path)).header("Authorization", "Bearer " + token)
                .header(ServerApi.FILE_HEADER, "shop.yaml").header(ServerApi.BASE_DIR_HEADER, data.toAbsolutePath().toString())
                .header(ServerApi.USER_HEADER, "tester").POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(api(path)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
        return EventJson.MAPPER.readTree(r.body());
    }

    /** The body of a GET as text (a Markdown report, say). */
    String getText(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(api(path)).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    URI api(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    /** Submits a release file; returns its id. */
    String submit(String yaml) throws Exception {
        return submit(yaml, "/v1/releases");
    }

    /** Submits a release file to {@code path} (with its query); returns its id. */
    String submit(String yaml, String path) throws Exception {
        HttpResponse<String> r = post(path, yaml);
        if (r.statusCode() != 202) {
            throw new AssertionError("submit answered " + r.statusCode() + ": " + r.body());
        }
        return EventJson.MAPPER.readTree(r.body()).path("id").asText();
    }

    /** Waits for a release to end; returns its record. */
    JsonNode awaitEnd(String id, Duration max) throws Exception {
        org.awaitility.Awaitility.await().atMost(max).pollInterval(Duration.ofMillis(100))
                .until(() -> !List.of("RUNNING", "QUEUED").contains(get("/v1/releases/" + id).path("state").asText()));
        return get("/v1/releases/" + id);
    }

    List<JsonNode> events(String id) throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        get("/v1/releases/" + id + "/events").path("events").forEach(out::add);
        return out;
    }

    LoadGenerator load(int connections) {
        return load(connections, 400);
    }

    LoadGenerator load(int connections, double perSecond) {
        return new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", proxyPort(), connections).withRate(perSecond).withUsersPerConnection(32)).start();
    }

    @Override
    public void close() throws Exception {
        // stop the services' instances too: a test leaves nothing running
        JsonNode services = get("/v1/services").path("services");
        server.close();
        for (JsonNode s : services) {
            for (JsonNode i : s.path("instances")) {
                ProcessHandle.of(i.path("pid").asLong()).ifPresent(p -> {
                    p.destroy();
                    p.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(x -> {
                        p.destroyForcibly();
                        return p;
                    }).join();
                });
            }
        }
        router.close();
    }
}
