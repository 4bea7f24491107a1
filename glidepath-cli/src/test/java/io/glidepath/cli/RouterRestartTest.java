package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.glidepath.cli.local.DataDir;
import io.glidepath.cli.router.SuperviseRouterCommand;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterAdminException;
import io.glidepath.testkit.load.LoadGenerator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's supervisor keeps the listening sockets and hands them to each router it starts: a
 * planned restart ({@code glidepath restart-router}) under load fails no request and keeps routes,
 * health and the admin API's token; a router killed with SIGKILL costs only what was on its
 * connections (not the second or so until the next one runs: those connections wait in the queue).
 */
class RouterRestartTest {
    private static final int CONNECTIONS = 8;

    @TempDir
    Path work;
    DataDir dir;
    HttpServer backend;

    @AfterEach
    void down() throws Exception {
        if (dir != null) {
            try (CliProcess p = CliProcess.start("down", "--data-dir", dir.root().toString())) {
                p.waitFor(120);
            }
        }
        if (backend != null) {
            backend.stop(0);
        }
    }

    @Test
    void aPlannedRestartUnderLoadFailsNothingAndAKilledRouterCostsOnlyItsConnections() throws Exception {
        // a backend nobody here wrote: the JDK's own HTTP server
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        backend.createContext("/", ex -> {
            byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        backend.setExecutor(Executors.newFixedThreadPool(4));
        backend.start();

        dir = new DataDir(work.resolve("gp"));
        try (CliProcess up = CliProcess.start("up", "--data-dir", dir.root().toString(), "--listen", "127.0.0.1:0", "--api", "127.0.0.1:0",
                "--router-admin", "127.0.0.1:0")) {
            assertThat(up.waitFor(120)).as(up.out() + up.err()).isZero();
        }
        var endpoints = dir.endpoints().orElseThrow();
        RouterAdminClient admin = RouterAdminClient.of(endpoints.routerAdmin().host(), endpoints.routerAdmin().port(), dir.routerToken());
        admin.put(RouteSpec.of("web", RouteMatch.any(), List.of(new EndpointAddress("127.0.0.1", backend.getAddress().getPort()))),
                OptionalLong.of(0));
        ProcessHandle first = dir.process("router").orElseThrow();

        LoadGenerator.Config cfg = LoadGenerator.Config.of("127.0.0.1", endpoints.proxy().port(), CONNECTIONS).withRate(300);
        try (LoadGenerator load = new LoadGenerator(cfg).start()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() > 300);

            // admin calls all along the restart: refused for a moment at most, and asked again
            AtomicReference<Throwable> adminFailure = new AtomicReference<>();
            AtomicLong adminCalls = new AtomicLong();
            AtomicBoolean calling = new AtomicBoolean(true);
            Thread caller = Thread.ofVirtual().start(() -> {
                while (calling.get()) {
                    try {
                        assertThat(admin.route("web")).isPresent();
                        adminCalls.incrementAndGet();
                    } catch (RouterAdminException | RuntimeException | AssertionError e) {
                        adminFailure.compareAndSet(null, e);
                    }
                }
            });
            JsonNode restarted;
            try (CliProcess restart = CliProcess.start("restart-router", "--data-dir", dir.root().toString(), "--output", "json")) {
                assertThat(restart.waitFor(120)).as(restart.out() + restart.err()).isZero();
                restarted = new ObjectMapper().readTree(restart.out());
            }
            long afterRestart = adminCalls.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> adminCalls.get() > afterRestart + 20);
            calling.set(false);
            caller.join();

            ProcessHandle second = dir.process("router").orElseThrow();
            assertThat(restarted.path("before").asLong()).isEqualTo(first.pid());
            assertThat(restarted.path("after").asLong()).isEqualTo(second.pid()).isNotEqualTo(first.pid());
            assertThat(DataDir.awaitGone(first, Duration.ofSeconds(30))).as("the router before finished its requests and exited").isTrue();
            long requestsAtRestart = load.requestCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() > requestsAtRestart + 300);
            assertThat(load.failures()).as("no request failed across the planned restart").isEmpty();
            assertThat(adminFailure.get()).as("no admin call failed across it").isNull();
            assertThat(dir.endpoints().orElseThrow()).as("on the same addresses").isEqualTo(endpoints);
            assertThat(Files.readString(dir.log("router"))).contains("took over from pid " + first.pid());

            // SIGKILL: the requests on its connections fail, as with an nginx worker killed; what arrives
            // before the next router runs waits in the listener's queue, which the supervisor holds
            long killedAt = load.elapsedMillis();
            second.destroyForcibly();
            await("the supervisor starts the next router").atMost(Duration.ofSeconds(30))
                    .until(() -> dir.process("router").filter(p -> p.pid() != second.pid()).isPresent());
            long readyAt = load.elapsedMillis();
            long requestsAtReady = load.requestCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.requestCount() > requestsAtReady + 300);
            List<LoadGenerator.Failure> failures = load.failures();
            assertThat(failures).as("at most one request per connection: those in flight or sent on it as it died")
                    .hasSizeLessThanOrEqualTo(CONNECTIONS);
            assertThat(failures).as("none while the next router started (%d ms after the kill)", readyAt - killedAt)
                    .allSatisfy(f -> assertThat(f.atMillis()).isLessThan(killedAt + 500));
        }
        assertThat(admin.route("web")).as("the route, through the router after the kill").isPresent();
        assertThat(Files.readString(dir.log("router"))).contains("connections meanwhile wait in its listener's queue");
        assertThat(dir.process(SuperviseRouterCommand.PID_NAME)).isPresent();
    }
}
