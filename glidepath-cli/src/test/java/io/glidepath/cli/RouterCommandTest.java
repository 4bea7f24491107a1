package io.glidepath.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.glidepath.cli.router.RouterCommand;
import io.glidepath.examples.SampleService;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.client.RouterAdminClient;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterCommandTest {
    @TempDir
    Path dir;

    record Ready(EndpointAddress proxy, EndpointAddress admin, Path token) {
    }

    static Ready awaitReady(CliProcess p) {
        await().atMost(Duration.ofSeconds(30)).until(() -> p.stdoutLines().stream().anyMatch(l -> l.startsWith(RouterCommand.READY_PREFIX))
                || !p.process.isAlive());
        String line = p.stdoutLines().stream().filter(l -> l.startsWith(RouterCommand.READY_PREFIX)).findFirst()
                .orElseThrow(() -> new AssertionError("router did not start: " + p.err()));
        String[] f = line.substring(RouterCommand.READY_PREFIX.length()).trim().split(" ");
        return new Ready(EndpointAddress.parse(f[1]).orElseThrow(), EndpointAddress.parse(f[3]).orElseThrow(), Path.of(f[5]));
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishThenExitsZero() throws Exception {
        SampleService backend = new SampleService(Map.of("PORT", "0", "VERSION", "v1")).start();
        try (CliProcess router = CliProcess.start("router", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--state-dir", dir.toString(), "--shutdown-timeout", "10s")) {
            Ready ready = awaitReady(router);
            assertThat(Files.exists(ready.token())).isTrue();
            RouterAdminClient admin = RouterAdminClient.of(ready.admin().host(), ready.admin().port(), ready.token());
            admin.put(RouteSpec.of("web", RouteMatch.any(), List.of(new EndpointAddress("127.0.0.1", backend.port()))), OptionalLong.empty());

            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<ClientResponse> slow = pool.submit(() -> {
                    try (HttpConnection c = HttpConnection.open("127.0.0.1", ready.proxy().port(), Duration.ofSeconds(5), Duration.ofSeconds(10))) {
                        return c.send(io.glidepath.http.ClientRequest.get("/slow?ms=2000"));
                    }
                });
                await().atMost(Duration.ofSeconds(5)).until(() -> admin.endpoints("web").get(0).inflight() == 1);
                router.process.destroy(); // SIGTERM
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                        assertThatThrownBy(() -> new Socket("127.0.0.1", ready.proxy().port()).close()).isInstanceOf(IOException.class));
                ClientResponse r = slow.get();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("slow hello from sample v1\n");
                assertThat(r.connectionClosing()).as("the router closes the connection after the last response").isTrue();
            }
            assertThat(router.waitFor(15)).isZero();
            assertThat(router.out()).as("stderr: " + router.err()).contains("glidepath router stopped");
        } finally {
            backend.stop();
        }
    }

    @Test
    void aCorruptStateFileStopsTheStartWithAMessageNamingIt() throws Exception {
        Files.writeString(dir.resolve("routes.json"), "not json");
        try (CliProcess router = CliProcess.start("router", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--state-dir", dir.toString())) {
            assertThat(router.waitFor(30)).isEqualTo(Main.FAILED);
            assertThat(router.err()).contains("state file " + dir.resolve("routes.json")).contains("not valid JSON");
        }
    }

    @Test
    void aBadFlagIsRefusedWithItsNameAndExitCode2() throws Exception {
        try (CliProcess router = CliProcess.start("router", "--listen", "localhost", "--state-dir", dir.toString())) {
            assertThat(router.waitFor(30)).isEqualTo(Main.INVALID_INPUT);
            assertThat(router.err()).contains("--listen").contains("'localhost' is not host:port");
        }
        try (CliProcess router = CliProcess.start("router", "--shutdown-timeout", "soon", "--state-dir", dir.toString())) {
            assertThat(router.waitFor(30)).isEqualTo(Main.INVALID_INPUT);
            assertThat(router.err()).contains("--shutdown-timeout").contains("'soon' is not a duration");
        }
        try (CliProcess router = CliProcess.start("router", "--head-timeout", "10ms", "--state-dir", dir.toString())) {
            assertThat(router.waitFor(30)).isEqualTo(Main.INVALID_INPUT);
            assertThat(router.err()).contains("--head-timeout must be between 100ms and 1h, got 10ms");
        }
        try (CliProcess router = CliProcess.start("router", "--certs", dir.resolve("certs").toString(), "--state-dir", dir.toString())) {
            assertThat(router.waitFor(30)).isEqualTo(Main.INVALID_INPUT);
            assertThat(router.err()).contains("--tls-listen and --certs go together");
        }
        try (CliProcess router = CliProcess.start("router", "--max-connections", "0", "--state-dir", dir.toString())) {
            assertThat(router.waitFor(30)).isEqualTo(Main.INVALID_INPUT);
            assertThat(router.err()).contains("--max-connections must be between 1 and 1000000, got 0");
        }
        try (CliProcess router = CliProcess.start("router", "--transport", "kqueue", "--state-dir", dir.toString())) {
            assertThat(router.waitFor(30)).isEqualTo(Main.INVALID_INPUT);
            assertThat(router.err()).contains("--transport must be auto, io_uring, epoll or nio; got \"kqueue\"");
        }
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void theTransportIsAskedForByFlagOrByTheEnvironmentTheSupervisorPassesOn() throws Exception {
        try (CliProcess router = CliProcess.start(Map.of(RouterCommand.TRANSPORT_VARIABLE, "epoll"), "router", "--listen", "127.0.0.1:0",
                "--admin", "127.0.0.1:0", "--state-dir", dir.resolve("a").toString())) {
            awaitReady(router);
            await().atMost(Duration.ofSeconds(10)).until(() -> (router.out() + router.err()).contains("event loops (epoll)"));
        }
        try (CliProcess router = CliProcess.start(Map.of(RouterCommand.TRANSPORT_VARIABLE, "epoll"), "router", "--transport", "nio",
                "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--state-dir", dir.resolve("b").toString())) {
            awaitReady(router);
            await().atMost(Duration.ofSeconds(10)).until(() -> (router.out() + router.err()).contains("event loops (nio)"));
        }
    }
}
