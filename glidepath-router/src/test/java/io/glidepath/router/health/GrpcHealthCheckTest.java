package io.glidepath.router.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.route.BackendProtocol;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.RouteJson;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Stickiness;
import io.glidepath.router.testkit.RouterHarness;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router checks an h2c (gRPC) endpoint as the engine's readiness does: with the standard gRPC
 * health service (grpc-java's own, here), not a TCP connect that a server answering NOT_SERVING
 * would pass. Real sockets; the route set through the admin API in its JSON form.
 */
class GrpcHealthCheckTest {
    @TempDir
    Path dir;
    RouterHarness router;
    Server server;
    HealthStatusManager health;
    EndpointAddress address;

    @BeforeEach
    void start() throws Exception {
        router = RouterHarness.start(dir);
        health = new HealthStatusManager();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(health.getHealthService()).build().start();
        address = new EndpointAddress("127.0.0.1", server.getPort());
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        router.close();
    }

    String state() throws Exception {
        return router.admin().endpoints("orders").getFirst().health();
    }

    @Test
    void anEndpointLeavesWhenItsGrpcHealthSaysNotServingAndComesBackWhenServing() throws Exception {
        health.setStatus("shop.Orders", ServingStatus.SERVING);
        HealthCheck check = HealthCheck.grpc("shop.Orders").withInterval(Duration.ofMillis(100));
        RouteSpec spec = RouteSpec.of("orders", RouteMatch.any(), java.util.List.of(address)).withSticky(Stickiness.none())
                .withEndpointSettings(Map.of(address, new EndpointSettings(check, Duration.ofSeconds(5), Optional.empty(), BackendProtocol.H2C)));
        // the check is part of the route's JSON, as the engine and the state file write it
        assertThat(RouteJson.writeSpec(spec).toString()).contains("\"grpc\":\"shop.Orders\"");
        router.admin().put(spec, OptionalLong.empty());
        await().atMost(Duration.ofSeconds(10)).until(() -> state().equals("healthy"));

        health.setStatus("shop.Orders", ServingStatus.NOT_SERVING);
        await("NOT_SERVING takes it out though it still accepts connections").atMost(Duration.ofSeconds(10)).until(() -> state().equals("unhealthy"));

        health.setStatus("shop.Orders", ServingStatus.SERVING);
        await().atMost(Duration.ofSeconds(10)).until(() -> state().equals("healthy"));
    }

    @Test
    void aServiceTheServerDoesNotKnowIsNotHealthy() throws Exception {
        assertThat(Probe.passes(address, HealthCheck.grpc("shop.Unknown"))).isFalse();
        health.setStatus("", ServingStatus.SERVING);
        assertThat(Probe.passes(address, HealthCheck.grpc(""))).as("the server as a whole").isTrue();
    }
}
