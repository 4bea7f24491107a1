package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.route.RouteMatch;
import io.glidepath.route.RouteSpec;
import io.glidepath.router.Router;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An HTTP/2 stream whose request body stalls gets the body deadline HTTP/1 has: a 408 on that
 * stream (or a reset once its answer began), counted as a client timeout; the connection's other
 * streams go on.
 */
class Http2StreamDeadlineTest {
    private static final Duration BODY_TIMEOUT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    @Test
    void aStalledStreamBodyGets408AndTheConnectionGoesOn() throws Exception {
        try (SampleProcess backend = SampleProcess.start("v1");
             RouterHarness router = RouterHarness.start(Router.Config.loopback(dir).withProxy(ProxySettings.defaults()
                     .withClientLimits(Duration.ofSeconds(75), Duration.ofSeconds(20), BODY_TIMEOUT, 1000)))) {
            router.admin().put(RouteSpec.of("web", RouteMatch.any(), List.of(backend.address())), OptionalLong.empty());
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            try {
                Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                }).connect("127.0.0.1", router.port()).sync().channel();

                // an upload that sends three bytes and then nothing
                long t0 = System.nanoTime();
                CompletableFuture<String> stalled = new CompletableFuture<>();
                Http2StreamChannel upload = open(ch, stalled);
                upload.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST").path("/upload").scheme("http").authority("h2c.test")
                        .set("content-type", "application/octet-stream"), false));
                upload.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII), false));
                String outcome = stalled.get(10, TimeUnit.SECONDS);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertThat(outcome).as("the stream's answer").isIn("408", "reset");
                assertThat(took).as("cut by the body deadline, not the connection's idle timeout").isGreaterThanOrEqualTo(BODY_TIMEOUT)
                        .isLessThan(Duration.ofSeconds(10));
                assertThat(router.router().listenerCounters().clientTimeouts()).isEqualTo(1);

                // the same connection serves a next stream
                CompletableFuture<String> next = new CompletableFuture<>();
                Http2StreamChannel get = open(ch, next);
                get.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("GET").path("/").scheme("http").authority("h2c.test"), true));
                assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("200");
                ch.close().sync();
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    /** A stream whose outcome is its status (once its answer ends) or "reset". */
    private static Http2StreamChannel open(Channel connection, CompletableFuture<String> outcome) throws Exception {
        String[] status = new String[1];
        return new Http2StreamChannelBootstrap(connection).handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame f) {
                if (f instanceof Http2HeadersFrame h) {
                    if (h.headers().status() != null) {
                        status[0] = h.headers().status().toString();
                    }
                    if (h.isEndStream()) {
                        outcome.complete(status[0]);
                    }
                } else if (f instanceof Http2DataFrame d && d.isEndStream()) {
                    outcome.complete(status[0]);
                } else if (f instanceof Http2ResetFrame) {
                    outcome.complete("reset");
                }
            }
        }).open().sync().getNow();
    }
}
