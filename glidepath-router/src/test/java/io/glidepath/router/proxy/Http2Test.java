package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.testkit.Http;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import io.glidepath.testkit.tls.TestCa;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 from clients, to HTTP/1.1 backends: over TLS chosen by ALPN (the JDK's client, as browsers
 * do), and in clear text with prior knowledge (Netty's client, as gRPC clients do), beside HTTP/1.1
 * on the same ports. Each stream is one request with everything HTTP/1 requests get.
 */
class Http2Test {
    @TempDir
    static Path dir;
    static TestCa ca;
    static SampleProcess v1;
    static SampleProcess v2;
    static RouterHarness router;
    static Path accessLog;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create();
        Path certs = dir.resolve("certs");
        ca.issue(Duration.ofDays(30), "localhost", "127.0.0.1").writeTo(certs, "default");
        v1 = SampleProcess.start("v1");
        v2 = SampleProcess.start("v2");
        accessLog = dir.resolve("access.log");
        router = RouterHarness.start(Router.Config.loopback(dir.resolve("state")).withTls("127.0.0.1", 0, certs).withAccessLog(accessLog.toString()));
        RouteSpec web = RouteSpec.of("web", RouteMatch.any(), List.of(v1.address())).withCanary(List.of(v2.address())).withCanaryWeight(0);
        router.admin().put(web, OptionalLong.empty());
    }

    @AfterAll
    static void stop() throws Exception {
        router.close();
        v1.close();
        v2.close();
    }

    static int tlsPort() {
        return router.router().tlsAddress().orElseThrow().getPort();
    }

    @Test
    void overTlsAlpnChoosesHttp2AndManyRequestsShareOneConnection() throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(ca.clientContext()).build()) {
            URI base = URI.create("https://127.0.0.1:" + tlsPort());
            HttpResponse<String> echo = client.send(HttpRequest.newBuilder(base.resolve("/echo")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(echo.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(echo.statusCode()).isEqualTo(200);
            assertThat(echo.body().toLowerCase()).contains("x-forwarded-proto: https").as("Netty's notes on the stream stay in the router")
                    .doesNotContain("x-http2-");
            assertThat(echo.headers().firstValue("x-version")).contains("v1");

            List<CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                many.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("/item/" + i)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> f : many) {
                HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            }
            assertThat(router.router().listenerCounters().openConnections()).as("multiplexed: one connection for all").isEqualTo(1);

            // a body streams to the backend through the stream's flow control
            byte[] upload = new byte[3 * 1024 * 1024];
            HttpResponse<String> up = client.send(HttpRequest.newBuilder(base.resolve("/upload")).POST(HttpRequest.BodyPublishers.ofByteArray(upload)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(up.body()).contains("received " + upload.length + " bytes");

            // the override header picks the canary on a stream as on a connection
            HttpResponse<String> canary = client.send(HttpRequest.newBuilder(base.resolve("/")).header(RouteSpec.DEFAULT_OVERRIDE_HEADER, "canary").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(canary.headers().firstValue("x-version")).contains("v2");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(accessLog) && Files.readString(accessLog).contains("\"protocol\":\"HTTP/2.0\""));
    }

    @Test
    void streamsUnderLoadSeeNoFailureWhileTheCanaryWeightMovesBothWays() throws Exception {
        RouteSpec churn = RouteSpec.of("churn", new RouteMatch(null, "/churn"), List.of(v1.address())).withCanary(List.of(v2.address()));
        router.admin().put(churn, OptionalLong.empty());
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(ca.clientContext()).build()) {
            URI uri = URI.create("https://127.0.0.1:" + tlsPort() + "/churn/order");
            List<Thread> users = new ArrayList<>();
            for (int u = 0; u < 16; u++) {
                users.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        String outcome;
                        try {
                            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            outcome = r.statusCode() + " " + r.headers().firstValue("x-version").orElse("?");
                        } catch (Exception e) {
                            outcome = "failed: " + e;
                        }
                        outcomes.computeIfAbsent(outcome, k -> new java.util.concurrent.atomic.LongAdder()).increment();
                    }
                }));
            }
            java.util.function.LongSupplier answered = () -> outcomes.values().stream().mapToLong(java.util.concurrent.atomic.LongAdder::sum).sum();
            for (int w : new int[] {1000, 5000, 10_000, 2500, 0, -1}) {
                long before = answered.getAsLong(); // each weight carries at least 50 requests before the next change
                await().atMost(Duration.ofSeconds(20)).until(() -> answered.getAsLong() >= before + 50);
                if (w >= 0) {
                    router.admin().setWeight("churn", w, OptionalLong.empty());
                }
            }
            running.set(false);
            for (Thread t : users) {
                t.join(15_000);
            }
        }
        assertThat(outcomes.keySet()).as(outcomes.toString()).containsExactlyInAnyOrder("200 v1", "200 v2");
    }

    @Test
    void inClearTextPriorKnowledgeGetsHttp2AndHttp1StillWorksOnTheSamePort() throws Exception {
        String r = h2cGet(router.port(), "/echo");
        assertThat(r).startsWith("200\n").contains("x-version: v1").containsIgnoringCase("x-forwarded-proto: http\n").contains("host: h2c.test");
        assertThat(Http.get(router.port(), "/").status()).isEqualTo(200);
        assertThat(Http.raw(router.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    }

    /** One GET over a clear-text HTTP/2 connection started with the connection preface (prior knowledge). */
    static String h2cGet(int port, String path) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel c) {
                    c.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                }
            }).connect("127.0.0.1", port).sync().channel();
            CompletableFuture<String> result = new CompletableFuture<>();
            StringBuilder sb = new StringBuilder();
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(ch).handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame f) {
                    if (f instanceof Http2HeadersFrame h) {
                        sb.append(h.headers().status()).append('\n');
                        h.headers().forEach(e -> sb.append(e.getKey()).append(": ").append(e.getValue()).append('\n'));
                        if (h.isEndStream()) {
                            result.complete(sb.toString());
                        }
                    } else if (f instanceof Http2DataFrame d) {
                        sb.append(d.content().toString(StandardCharsets.UTF_8));
                        if (d.isEndStream()) {
                            result.complete(sb.toString());
                        }
                    }
                }
            }).open().sync().getNow();
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").path(path).scheme("http").authority("h2c.test"), true));
            String out = result.get(10, TimeUnit.SECONDS);
            ch.close().sync();
            return out;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
