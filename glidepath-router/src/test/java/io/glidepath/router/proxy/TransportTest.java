package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.client.RouterAdminClient;
import io.glidepath.router.handoff.InheritedListeners;
import io.glidepath.router.handoff.ListenerKeeper;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.SampleProcess;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.netty.channel.unix.FileDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The proxy on each way its sockets can talk to the kernel, with a listener of its own and with one
 * handed over by the process that keeps it (a planned restart's): requests on kept-alive
 * connections, a body both ways, and the client's address as the backend hears of it. Left to
 * itself, the router takes io_uring where the kernel allows it.
 */
class TransportTest {
    @TempDir
    Path dir;
    static SampleProcess backend;

    @BeforeAll
    static void start() throws Exception {
        backend = SampleProcess.start("v1");
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void proxiesOnEachTransport(Transport transport) throws Exception {
        assumeThat(transport.available()).as(transport.unavailability().orElse("")).isTrue();
        try (Router router = Router.start(Router.Config.loopback(dir).withProxy(ProxySettings.defaults().withTransport(Optional.of(transport))))) {
            assertThat(router.transport()).isEqualTo(transport);
            proxies(router, router.proxyAddress().getPort(), dir);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"IO_URING", "EPOLL"})
    void takesAListenerHandedOverOnEachNativeTransport(Transport transport) throws Exception {
        assumeThat(transport.available()).as(transport.unavailability().orElse("")).isTrue();
        try (ListenerKeeper keeper = ListenerKeeper.open(List.of(new ListenerKeeper.Listen("127.0.0.1", 0)), dir.resolve("run/listeners.sock"))) {
            List<FileDescriptor> fds = InheritedListeners.receive(keeper.socketPath(), 1, Duration.ofSeconds(5));
            Router.Config config = Router.Config.loopback(dir.resolve("state")).withInherited(fds.get(0), null)
                    .withProxy(ProxySettings.defaults().withTransport(Optional.of(transport)));
            try (Router router = Router.start(config)) {
                assertThat(router.transport()).isEqualTo(transport);
                int port = keeper.addresses().get(0).getPort();
                assertThat(router.proxyAddress().getPort()).as("the keeper's socket").isEqualTo(port);
                proxies(router, port, dir.resolve("state"));
            }
        }
    }

    @Test
    void leftToItselfTakesTheFastestTheMachineAllows() throws Exception {
        Transport fastest = IoUring.isAvailable() && Epoll.isAvailable() ? Transport.IO_URING : Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO;
        assertThat(Transport.choose(Optional.empty())).isEqualTo(fastest);
        try (Router router = Router.start(Router.Config.loopback(dir))) {
            assertThat(router.transport()).isEqualTo(fastest);
        }
        assertThat(Arrays.stream(Transport.values()).map(Transport::label)).containsExactly("io_uring", "epoll", "nio");
        assertThat(Transport.named("IO_URING")).contains(Transport.IO_URING);
        assertThat(Transport.named("kqueue")).isEmpty();
    }

    private void proxies(Router router, int port, Path stateDir) throws Exception {
        RouterAdminClient admin = RouterAdminClient.of("127.0.0.1", router.adminAddress().getPort(), stateDir.resolve("admin.token"));
        admin.put(RouteSpec.of("web", RouteMatch.any(), List.of(backend.address())), OptionalLong.empty());

        assertThat(Http.get(port, "/echo").bodyText()).as("the client's address, read from the accepted socket")
                .contains("x-forwarded-for: 127.0.0.1");
        byte[] body = new byte[1 << 20];
        Arrays.fill(body, (byte) 'x');
        try (HttpConnection c = HttpConnection.open("127.0.0.1", port, Duration.ofSeconds(5), Duration.ofSeconds(5))) {
            for (int i = 0; i < 100; i++) {
                ClientResponse r = c.send(ClientRequest.get("/hello"));
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("hello from sample v1\n");
            }
            ClientResponse up = c.send(new ClientRequest("POST", "/upload", List.of(), body));
            assertThat(up.bodyText()).isEqualTo("received " + body.length + " bytes\n");
            ClientResponse down = c.send(ClientRequest.get("/download?bytes=" + body.length));
            assertThat(down.bodyLength()).isEqualTo(body.length);
        }
    }
}
