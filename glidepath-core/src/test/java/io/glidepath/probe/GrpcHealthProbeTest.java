package io.glidepath.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.glidepath.route.EndpointAddress;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC health probe against grpc-java's own health service (and against what is not one). */
class GrpcHealthProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    Server server;
    HealthStatusManager health;
    EndpointAddress address;

    @BeforeEach
    void start() throws Exception {
        health = new HealthStatusManager();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(health.getHealthService()).build().start();
        address = new EndpointAddress("127.0.0.1", ((InetSocketAddress) server.getListenSockets().get(0)).getPort());
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void servingPassesAndEveryOtherAnswerFailsSayingWhat() {
        Prober.Result whole = GrpcHealthProbe.check(address, "", TIMEOUT);
        assertThat(whole.passed()).as(whole.detail()).isTrue();
        assertThat(whole.detail()).startsWith("SERVING in ");

        health.setStatus("shop.Cart", ServingStatus.SERVING);
        assertThat(GrpcHealthProbe.check(address, "shop.Cart", TIMEOUT).passed()).isTrue();
        health.setStatus("shop.Cart", ServingStatus.NOT_SERVING);
        Prober.Result notServing = GrpcHealthProbe.check(address, "shop.Cart", TIMEOUT);
        assertThat(notServing.passed()).isFalse();
        assertThat(notServing.detail()).startsWith("health status NOT_SERVING");

        Prober.Result unknown = GrpcHealthProbe.check(address, "shop.Nothing", TIMEOUT);
        assertThat(unknown.passed()).as("NOT_FOUND: an error, no message").isFalse();
        assertThat(unknown.detail()).contains("no health answer").contains("shop.Nothing");

        health.enterTerminalState(); // shutting down: everything NOT_SERVING
        assertThat(GrpcHealthProbe.check(address, "", TIMEOUT).passed()).isFalse();
    }

    @Test
    void aServerWithoutTheHealthServiceAnHttp1ServerAndNothingListeningFail() throws Exception {
        Server bare = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
        try {
            EndpointAddress a = new EndpointAddress("127.0.0.1", ((InetSocketAddress) bare.getListenSockets().get(0)).getPort());
            Prober.Result r = GrpcHealthProbe.check(a, "", TIMEOUT);
            assertThat(r.passed()).isFalse();
            assertThat(r.detail()).contains("no grpc.health.v1.Health service");
        } finally {
            bare.shutdownNow();
        }
        HttpServer http1 = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        http1.createContext("/", ex -> {
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        http1.start();
        try {
            assertThat(GrpcHealthProbe.check(new EndpointAddress("127.0.0.1", http1.getAddress().getPort()), "", TIMEOUT).passed()).isFalse();
        } finally {
            http1.stop(0);
        }
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        Prober.Result refused = GrpcHealthProbe.check(new EndpointAddress("127.0.0.1", free), "", TIMEOUT);
        assertThat(refused.passed()).isFalse();
        assertThat(refused.detail()).startsWith("ConnectException");
    }
}
