package io.glidepath.server.e2e;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.InetSocketAddress;

/**
 * A gRPC service run as its own process by the local platform (grpc-java, nothing of ours): the
 * SimpleService of grpc-testing-proto answering "VERSION:message" with the version in a header, and
 * the standard health service. PORT and VERSION from the environment; FAIL=UNAVAILABLE makes every
 * call fail so (a bad version whose health still says SERVING, as a broken dependency would).
 */
public final class GrpcTestService {
    static final Metadata.Key<String> VERSION = Metadata.Key.of("x-version", Metadata.ASCII_STRING_MARSHALLER);

    private GrpcTestService() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv("PORT"));
        String version = System.getenv("VERSION");
        Status fail = System.getenv("FAIL") == null ? null : Status.fromCode(Status.Code.valueOf(System.getenv("FAIL")));
        HealthStatusManager health = new HealthStatusManager();
        ServerInterceptor versionHeader = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
                return next.startCall(new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    public void sendHeaders(Metadata h) {
                        h.put(VERSION, version);
                        super.sendHeaders(h);
                    }
                }, headers);
            }
        };
        SimpleServiceGrpc.SimpleServiceImplBase impl = new SimpleServiceGrpc.SimpleServiceImplBase() {
            @Override
            public void unaryRpc(SimpleRequest req, StreamObserver<SimpleResponse> out) {
                if (fail != null) {
                    out.onError(fail.withDescription(version + " cannot reach its database").asRuntimeException());
                    return;
                }
                out.onNext(SimpleResponse.newBuilder().setResponseMessage(version + ":" + req.getRequestMessage()).build());
                out.onCompleted();
            }
        };
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(ServerInterceptors.intercept(impl, versionHeader)).addService(health.getHealthService()).build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            health.enterTerminalState();
            server.shutdown();
        }));
        System.out.println("grpc test service " + version + " listening on " + port);
        server.awaitTermination();
    }
}
