package io.glidepath.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.glidepath.route.BackendProtocol;
import io.glidepath.router.client.RouterAdminClient;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gRPC service shipped by the engine, as users would: grpc-java processes started by the local
 * platform (run.protocol h2c), proven by the gRPC health service, called by a grpc-java client
 * through the router. A canary whose calls fail with UNAVAILABLE (its health still SERVING) is
 * rolled back by the analysis; a good one is promoted.
 */
@Execution(ExecutionMode.CONCURRENT) // the second lane, beside the other classes: junit-platform.properties
@ResourceLock("second-lane")
class GrpcReleaseEndToEndTest {
    private static final Duration MAX = Duration.ofSeconds(90);

    @TempDir
    Path tmp;
    Stack stack;
    ManagedChannel channel;
    final AtomicBoolean calling = new AtomicBoolean(true);
    final List<Thread> callers = new ArrayList<>();
    final LongAdder calls = new LongAdder();
    final Map<String, LongAdder> byVersion = new ConcurrentHashMap<>();
    final Map<Status.Code, LongAdder> failures = new ConcurrentHashMap<>();
    final AtomicLong lastFailureNanos = new AtomicLong();

    @AfterEach
    void stop() throws Exception {
        calling.set(false);
        for (Thread t : callers) {
            t.join(5_000);
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aCanaryFailingItsCallsWithUnavailableIsRolledBackAndAGoodOneIsPromoted() throws Exception {
        stack = Stack.start(tmp.resolve("glidepath"));
        assertThat(end(stack.submit(release("v1", "")))).isEqualTo("PROMOTED");
        RouterAdminClient admin = RouterAdminClient.of("127.0.0.1", stack.router.adminAddress().getPort(), stack.data.resolve("router/admin.token"));
        var route = admin.route("orders").orElseThrow().spec();
        assertThat(route.stable()).allSatisfy(a -> assertThat(route.settingsOf(a).protocol()).isEqualTo(BackendProtocol.H2C));

        channel = NettyChannelBuilder.forAddress("127.0.0.1", stack.proxyPort()).usePlaintext().build();
        for (int i = 0; i < 4; i++) {
            callers.add(Thread.ofVirtual().start(this::call));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.sum() > 200);
        assertThat(failures).as("v1 alone").isEmpty();

        String bad = stack.submit(release("v2", ", FAIL: UNAVAILABLE"));
        JsonNode badEnd = stack.awaitEnd(bad, MAX);
        assertThat(badEnd.path("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(badEnd.path("reason").asText()).contains("analysis failed");
        assertThat(failures.keySet()).as("the only failures: the canary's own UNAVAILABLE (a call is not repeated on stable)")
                .containsOnly(Status.Code.UNAVAILABLE);
        long rolledBack = System.nanoTime();
        long atRollback = calls.sum();
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.sum() > atRollback + 300);
        assertThat(lastFailureNanos.get()).as("no failed call after the rollback").isLessThan(rolledBack);

        assertThat(end(stack.submit(release("v3", "")))).isEqualTo("PROMOTED");
        long promoted = byVersion.getOrDefault("v3", new LongAdder()).sum();
        await().atMost(Duration.ofSeconds(10)).until(() -> byVersion.get("v3").sum() > promoted + 100);
        assertThat(lastFailureNanos.get()).isLessThan(rolledBack);
    }

    /** A caller: unary calls one after another, about 100 a second. */
    private void call() {
        var stub = SimpleServiceGrpc.newBlockingStub(channel);
        while (calling.get()) {
            AtomicReference<Metadata> headers = new AtomicReference<>();
            try {
                stub.withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
                        .withDeadlineAfter(5, TimeUnit.SECONDS).unaryRpc(SimpleRequest.newBuilder().setRequestMessage("hi").build());
                byVersion.computeIfAbsent(headers.get().get(GrpcTestService.VERSION), v -> new LongAdder()).increment();
            } catch (StatusRuntimeException e) {
                if (!calling.get()) {
                    return;
                }
                failures.computeIfAbsent(e.getStatus().getCode(), c -> new LongAdder()).increment();
                lastFailureNanos.set(System.nanoTime());
            }
            calls.increment();
            LockSupport.parkNanos(10_000_000L); // the caller's pace
        }
    }

    private String end(String id) throws Exception {
        return stack.awaitEnd(id, MAX).path("state").asText();
    }

    private static String release(String version, String env) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = System.getProperty("java.class.path");
        return """
                services:
                  - name: orders
                    version: %s
                    run:
                      command: [%s, -XX:TieredStopAtLevel=1, -XX:+UseSerialGC, -Xmx96m, -cp, '%s', io.glidepath.server.e2e.GrpcTestService]
                      env: {PORT: "{{port}}", VERSION: "{{version}}"%s}
                      replicas: 1
                      stopGrace: 5s
                      protocol: h2c
                    route: {pathPrefix: /}
                    readiness: {grpc: "", interval: 100ms, healthyAfter: 2, deadline: 30s}
                    strategy: canary
                    steps: [{weight: 30}, {bake: 3s}]
                    analysis: {interval: 1s, minRequests: 20, failAfter: 2, postPromotion: 1s, rules: [{errorRate: {max: 1%%}}]}
                    keepPrevious: 1s
                """.formatted(version, java, cp, env);
    }
}
