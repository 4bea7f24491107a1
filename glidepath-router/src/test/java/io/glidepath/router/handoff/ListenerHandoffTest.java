package io.glidepath.router.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.client.RouterAdminException;
import io.glidepath.testkit.load.LoadGenerator;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listening sockets kept by one process and handed to routers: two routers accept from one queue
 * while one takes over from the other, the state directory has one writer at a time, and admin
 * calls refused in the moment between them are asked again.
 */
class ListenerHandoffTest {
    /** Each a thread of its own: the common pool may have one, and the successor blocks waiting. */
    private static final java.util.concurrent.Executor OWN_THREAD = r -> Thread.ofVirtual().start(r);
    @TempDir
    Path work;
    HttpServer backend;

    @BeforeEach
    void backend() throws IOException {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        backend.createContext("/", ex -> {
            byte[] body = "ok\n".getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        backend.setExecutor(Executors.newFixedThreadPool(4));
        backend.start();
    }

    @AfterEach
    void stop() {
        backend.stop(0);
    }

    @Test
    void aRouterHandedTheListenersTakesOverFromTheOneServingWithoutAFailedRequest() throws Exception {
        Path state = work.resolve("state");
        try (ListenerKeeper keeper = ListenerKeeper.open(List.of(new ListenerKeeper.Listen("127.0.0.1", 0)), work.resolve("run/listeners.sock"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keeper.socketPath()))).isEqualTo("rw-------");
            int port = keeper.addresses().get(0).getPort();
            Router before = Router.start(handed(keeper, state));
            assertThat(before.proxyAddress().getPort()).as("the keeper's socket, not one of its own").isEqualTo(port);
            RouterAdminClient admin = RouterAdminClient.of("127.0.0.1", before.adminAddress().getPort(), state.resolve("admin.token"));
            admin.put(RouteSpec.of("web", RouteMatch.any(), List.of(new EndpointAddress("127.0.0.1", backend.getAddress().getPort()))),
                    OptionalLong.of(0));
            int adminPort = before.adminAddress().getPort();

            try (LoadGenerator load = new LoadGenerator(LoadGenerator.Config.of("127.0.0.1", port, 8).withRate(400)).start()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > 200);
                // the successor waits for the state directory while the one before serves
                CompletableFuture<Router> next = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Router.start(handed(keeper, state).withAdmin("127.0.0.1", adminPort));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, OWN_THREAD);
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !next.isDone());
                long served = load.requestCount();
                await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > served + 100);

                CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> {
                    try {
                        return before.shutdown();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, OWN_THREAD);
                Router after = next.get();
                try {
                    assertThat(stopped.get()).as("the one before finished every request in flight").isTrue();
                    assertThat(admin.route("web")).as("the routes, read from the state directory it let go of").isPresent();
                    long atTakeOver = load.requestCount();
                    await().atMost(Duration.ofSeconds(10)).until(() -> load.requestCount() > atTakeOver + 300);
                    load.close();
                    assertThat(load.failures()).isEmpty();
                    assertThat(after.proxyAddress().getPort()).isEqualTo(port);
                    // the figures the judge reads span the restart: the one before handed its own over (FiguresHandoff);
                    // only what it answered after that (requests in flight, one more per keep-alive connection) is not there
                    long answered = load.requestCount();
                    long counted = admin.stats("web", Duration.ofSeconds(120)).track(io.glidepath.route.Track.STABLE).requests();
                    assertThat(counted).as("requests counted by the router now, of %d answered by both", answered)
                            .isLessThanOrEqualTo(answered).isGreaterThanOrEqualTo(answered - 4 * 8);
                } finally {
                    after.close();
                }
            }
        }
    }

    @Test
    void aSecondRouterOnOneStateDirectoryIsRefusedNamingWhoHoldsIt() throws Exception {
        Path state = work.resolve("state");
        try (Router first = Router.start(Router.Config.loopback(state))) {
            assertThatThrownBy(() -> Router.start(Router.Config.loopback(state)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("another router (pid " + ProcessHandle.current().pid() + ") is using the state directory " + state)
                    .hasMessageContaining("stop it first, or give this one another --state-dir");
            assertThat(first.proxyAddress().getPort()).isPositive();
        }
        try (Router again = Router.start(Router.Config.loopback(state))) {
            assertThat(again.proxyAddress().getPort()).as("closed, the first let go").isPositive();
        }
    }

    @Test
    void anAdminCallRefusedForAMomentIsAskedAgainAndOneRefusedForLongFails() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path state = work.resolve("state");
        Files.createDirectories(state);
        Files.writeString(state.resolve("admin.token"), "t0ken-for-this-test-of-enough-length\n");
        RouterAdminClient admin = new RouterAdminClient(java.net.URI.create("http://127.0.0.1:" + port), "t0ken-for-this-test-of-enough-length");
        CompletableFuture<Router> late = CompletableFuture.supplyAsync(() -> {
            try {
                Thread.sleep(300); // the gap under test: nothing listens on the admin port yet
                return Router.start(Router.Config.loopback(state).withAdmin("127.0.0.1", port).withTokenFile(state.resolve("admin.token")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, OWN_THREAD);
        try {
            assertThat(admin.routes()).as("answered once the router listens").isEmpty();
        } finally {
            late.get().close();
        }
        long t0 = System.nanoTime();
        assertThatThrownBy(admin::routes).isInstanceOf(RouterAdminException.class).hasMessageContaining("is unreachable");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    private Router.Config handed(ListenerKeeper keeper, Path state) throws Exception {
        List<FileDescriptor> fds = InheritedListeners.receive(keeper.socketPath(), 1, Duration.ofSeconds(5));
        return Router.Config.loopback(state).withInherited(fds.get(0), null);
    }
}
