package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.glidepath.route.BackendProtocol;
import io.glidepath.route.EndpointAddress;
import io.glidepath.route.EndpointSettings;
import io.glidepath.route.HealthCheck;
import io.glidepath.route.Mirror;
import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.route.Stickiness;
import io.glidepath.route.Track;
import io.glidepath.router.client.RouteStats;
import io.glidepath.router.testkit.RouterHarness;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC end to end through the router, with grpc-java's own client and server (its Netty, not ours):
 * the backends speak h2c ({@code protocol: h2c} in their endpoint settings), clients HTTP/2 with
 * prior knowledge. Unary and streaming calls both ways, metadata and trailers, deadlines and
 * cancellation carried to the server, and a canary answering UNAVAILABLE counted as errors.
 */
class GrpcProxyTest {
    private static final Metadata.Key<String> TRAILER = Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> ASKED = Metadata.Key.of("x-asked", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;
    RouterHarness router;
    final List<Server> servers = new ArrayList<>();
    ManagedChannel channel;

    /** What a backend saw: cancellations of its calls, and the x-asked header of its last call. */
    static final class Seen {
        final CountDownLatch cancelled = new CountDownLatch(1);
        final AtomicReference<String> asked = new AtomicReference<>();
        final AtomicInteger calls = new AtomicInteger();
        final java.util.Queue<String> messages = new java.util.concurrent.ConcurrentLinkedQueue<>();
    }

    @BeforeEach
    void start() throws Exception {
        router = RouterHarness.start(dir);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", router.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        router.close();
    }

    @Test
    void callsOfEveryKindGoThroughWithTheirMetadataAndTrailers() throws Exception {
        Seen seen = new Seen();
        EndpointAddress v1 = server("v1", Status.OK, seen);
        route(List.of(v1), List.of(), 0);
        var stub = SimpleServiceGrpc.newBlockingStub(channel);

        Metadata headers = new Metadata();
        headers.put(ASKED, "unary");
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        SimpleResponse r = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers),
                        MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
                .unaryRpc(request("hello"));
        assertThat(r.getResponseMessage()).isEqualTo("v1:hello");
        assertThat(seen.asked.get()).as("the client's metadata reached the server").isEqualTo("unary");
        assertThat(trailers.get().get(TRAILER)).as("the server's trailers reached the client").isEqualTo("v1");

        // server streaming: 1,000 messages in one call
        Iterator<SimpleResponse> many = stub.serverStreamingRpc(request("1000"));
        int n = 0;
        while (many.hasNext()) {
            assertThat(many.next().getResponseMessage()).isEqualTo("v1:" + n++);
        }
        assertThat(n).isEqualTo(1000);

        // client streaming and bidirectional, ping-pong: each answer before the next message
        var async = SimpleServiceGrpc.newStub(channel);
        Collector sum = new Collector();
        StreamObserver<SimpleRequest> up = async.clientStreamingRpc(sum);
        for (int i = 0; i < 200; i++) {
            up.onNext(request("x"));
        }
        up.onCompleted();
        assertThat(sum.next()).isEqualTo("v1:200 messages");

        Collector pongs = new Collector();
        StreamObserver<SimpleRequest> pings = async.bidiStreamingRpc(pongs);
        for (int i = 0; i < 100; i++) {
            pings.onNext(request("ping" + i));
            assertThat(pongs.next()).isEqualTo("v1:ping" + i);
        }
        pings.onCompleted();
        assertThat(pongs.awaitDone()).isNull();
    }

    @Test
    void aDeadlineAndACancellationReachTheServer() throws Exception {
        Seen seen = new Seen();
        route(List.of(server("v1", Status.OK, seen)), List.of(), 0);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.MILLISECONDS).unaryRpc(request("sleep")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(seen.cancelled.await(5, TimeUnit.SECONDS)).as("the server's call was cancelled: the router reset its stream").isTrue();

        Seen streaming = new Seen();
        EndpointAddress v2 = server("v2", Status.OK, streaming);
        route(List.of(v2), List.of(), 0);
        io.grpc.Context.CancellableContext scope = io.grpc.Context.current().withCancellation();
        Iterator<SimpleResponse> call = scope.call(() -> SimpleServiceGrpc.newBlockingStub(channel).serverStreamingRpc(request("forever")));
        assertThat(call.next().getResponseMessage()).isEqualTo("v2:0");
        assertThat(call.next().getResponseMessage()).isEqualTo("v2:1");
        scope.cancel(null);
        assertThat(streaming.cancelled.await(5, TimeUnit.SECONDS)).as("the client's cancel reached the server through the router").isTrue();
    }

    @Test
    void aCanaryAnsweringUnavailableCountsErrorsOnTheCanaryOnly() throws Exception {
        EndpointAddress v1 = server("v1", Status.OK, new Seen());
        EndpointAddress v2 = server("v2", Status.UNAVAILABLE, new Seen());
        route(List.of(v1), List.of(v2), RouteSpec.FULL_WEIGHT / 2);
        var stub = SimpleServiceGrpc.newBlockingStub(channel);
        int unavailable = 0;
        int ok = 0;
        for (int i = 0; i < 200; i++) {
            try {
                assertThat(stub.unaryRpc(request("n" + i)).getResponseMessage()).isEqualTo("v1:n" + i);
                ok++;
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                unavailable++;
            }
        }
        assertThat(unavailable).as("a call is not repeated on stable: it may not be safe to").isBetween(50, 150);
        int seenUnavailable = unavailable;
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            RouteStats s = router.admin().stats("grpc", Duration.ofSeconds(30));
            assertThat(s.tracks().get(Track.CANARY).status5xx()).as("UNAVAILABLE counts as the canary's errors").isEqualTo(seenUnavailable);
            assertThat(s.tracks().get(Track.STABLE).status5xx()).isZero();
            assertThat(s.tracks().get(Track.STABLE).requests() + s.tracks().get(Track.CANARY).requests()).isEqualTo(200);
        });
        assertThat(ok + unavailable).isEqualTo(200);
    }

    @Test
    void callsAreMirroredToTheCanaryWithTheirMessagesAndItsStatusCountsOnTheShadowTrack() throws Exception {
        Seen v1Seen = new Seen();
        Seen v2Seen = new Seen();
        EndpointAddress v1 = server("v1", Status.OK, v1Seen);
        EndpointAddress v2 = server("v2", Status.UNAVAILABLE, v2Seen);
        route(List.of(v1), List.of(v2), 0, new Mirror(RouteSpec.FULL_WEIGHT, true)); // a gRPC call is a POST with a body
        var stub = SimpleServiceGrpc.newBlockingStub(channel);
        for (int i = 0; i < 50; i++) {
            assertThat(stub.unaryRpc(request("n" + i)).getResponseMessage()).as("every caller answered by stable").isEqualTo("v1:n" + i);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(v2Seen.calls.get()).as("each call copied to the canary").isEqualTo(50);
            RouteStats s = router.admin().stats("grpc", Duration.ofSeconds(30));
            assertThat(s.shadow().status5xx()).as("the copies' UNAVAILABLE, for the judge").isEqualTo(50);
            assertThat(s.tracks().get(Track.STABLE).status5xx()).isZero();
        });
        assertThat(v2Seen.messages).as("the messages as the callers sent them").hasSize(50).contains("n0", "n49");
    }

    private void route(List<EndpointAddress> stable, List<EndpointAddress> canary, int weight) throws Exception {
        route(stable, canary, weight, Mirror.none());
    }

    private void route(List<EndpointAddress> stable, List<EndpointAddress> canary, int weight, Mirror mirror) throws Exception {
        EndpointSettings h2c = new EndpointSettings(HealthCheck.tcpDefault(), Duration.ofSeconds(5), Optional.empty(), BackendProtocol.H2C);
        Map<EndpointAddress, EndpointSettings> settings = new java.util.HashMap<>();
        stable.forEach(a -> settings.put(a, h2c));
        canary.forEach(a -> settings.put(a, h2c));
        RouteSpec spec = RouteSpec.of("grpc", RouteMatch.any(), stable).withCanary(canary).withCanaryWeight(weight)
                .withSticky(Stickiness.none()).withEndpointSettings(settings).withMirror(mirror);
        router.admin().put(spec, OptionalLong.empty());
        await("every endpoint checked and healthy").atMost(Duration.ofSeconds(10)).until(() -> router.admin().endpoints("grpc").stream()
                .allMatch(e -> e.health().equals("healthy")));
    }

    private static SimpleRequest request(String m) {
        return SimpleRequest.newBuilder().setRequestMessage(m).build();
    }

    /** A gRPC server answering "NAME:message", or failing every call with {@code failWith}. */
    private EndpointAddress server(String name, Status failWith, Seen seen) throws Exception {
        Metadata.Key<String> asked = ASKED;
        io.grpc.ServerInterceptor capture = new io.grpc.ServerInterceptor() {
            @Override
            public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, Metadata headers,
                                                                     io.grpc.ServerCallHandler<Q, A> next) {
                seen.calls.incrementAndGet();
                if (headers.get(asked) != null) {
                    seen.asked.set(headers.get(asked));
                }
                return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        trailers.put(TRAILER, name);
                        super.close(status, trailers);
                    }
                }, headers);
            }
        };
        SimpleServiceGrpc.SimpleServiceImplBase impl = new SimpleServiceGrpc.SimpleServiceImplBase() {
            @Override
            public void unaryRpc(SimpleRequest req, StreamObserver<SimpleResponse> out) {
                seen.messages.add(req.getRequestMessage());
                if (!failWith.isOk()) {
                    out.onError(failWith.withDescription(name + " is failing").asRuntimeException());
                    return;
                }
                if (req.getRequestMessage().equals("sleep")) {
                    ((ServerCallStreamObserver<SimpleResponse>) out).setOnCancelHandler(seen.cancelled::countDown);
                    return; // never answers: the client's deadline ends the call
                }
                out.onNext(response(name + ":" + req.getRequestMessage()));
                out.onCompleted();
            }

            @Override
            public void serverStreamingRpc(SimpleRequest req, StreamObserver<SimpleResponse> out) {
                ServerCallStreamObserver<SimpleResponse> o = (ServerCallStreamObserver<SimpleResponse>) out;
                o.setOnCancelHandler(seen.cancelled::countDown);
                if (req.getRequestMessage().equals("forever")) {
                    new Thread(() -> {
                        for (int i = 0; !o.isCancelled(); i++) {
                            o.onNext(response(name + ":" + i));
                            try {
                                Thread.sleep(20); // a slow stream, for the client to cancel
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }).start();
                    return;
                }
                int n = Integer.parseInt(req.getRequestMessage());
                for (int i = 0; i < n; i++) {
                    out.onNext(response(name + ":" + i));
                }
                out.onCompleted();
            }

            @Override
            public StreamObserver<SimpleRequest> clientStreamingRpc(StreamObserver<SimpleResponse> out) {
                return new StreamObserver<>() {
                    int count;

                    @Override
                    public void onNext(SimpleRequest r) {
                        count++;
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onNext(response(name + ":" + count + " messages"));
                        out.onCompleted();
                    }
                };
            }

            @Override
            public StreamObserver<SimpleRequest> bidiStreamingRpc(StreamObserver<SimpleResponse> out) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(SimpleRequest r) {
                        out.onNext(response(name + ":" + r.getRequestMessage()));
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                };
            }
        };
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(io.grpc.ServerInterceptors.intercept(impl, capture)).build().start();
        servers.add(s);
        return new EndpointAddress("127.0.0.1", ((InetSocketAddress) s.getListenSockets().get(0)).getPort());
    }

    private static SimpleResponse response(String m) {
        return SimpleResponse.newBuilder().setResponseMessage(m).build();
    }

    /** Collects a call's answers for the test's thread to take one by one. */
    static final class Collector implements StreamObserver<SimpleResponse> {
        private final LinkedBlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private final CountDownLatch done = new CountDownLatch(1);
        private final AtomicReference<Throwable> error = new AtomicReference<>();

        @Override
        public void onNext(SimpleResponse r) {
            answers.add(r.getResponseMessage());
        }

        @Override
        public void onError(Throwable t) {
            error.set(t);
            done.countDown();
        }

        @Override
        public void onCompleted() {
            done.countDown();
        }

        String next() throws InterruptedException {
            String a = answers.poll(10, TimeUnit.SECONDS);
            assertThat(a).as("an answer within 10 s (error: %s)", error.get()).isNotNull();
            return a;
        }

        Throwable awaitDone() throws InterruptedException {
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            return error.get();
        }
    }
}
