package io.glidepath.router.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import io.glidepath.route.EndpointAddress;
import io.glidepath.router.testkit.RouterHarness;
import io.glidepath.router.testkit.SampleProcess;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingAndWebSocketTest {
    static final long SIZE = 200L * 1024 * 1024;

    @TempDir
    Path dir;
    RouterHarness router;
    SampleProcess backend;
    Vertx vertx;

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void twoHundredMegabytesStreamBothWaysWithBoundedRouterMemory() throws Exception {
        backend = SampleProcess.start("v1");
        router = RouterHarness.start(dir);
        router.route("web", List.of(backend.address()));
        AtomicLong peakDirect = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (sampling.get()) {
                peakDirect.accumulateAndGet(((ByteBufAllocatorMetricProvider) ProxyServer.ALLOCATOR).metric().usedDirectMemory(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
        });
        try (HttpConnection c = HttpConnection.open("127.0.0.1", router.port(), Duration.ofSeconds(5), Duration.ofSeconds(60))) {
            ClientResponse up = c.sendStreaming(new ClientRequest("POST", "/upload", List.of(), null), new Pattern(SIZE), SIZE, null);
            assertThat(up.bodyText()).isEqualTo("received " + SIZE + " bytes\n");
            Counting sink = new Counting();
            ClientResponse down = c.send(ClientRequest.get("/download?bytes=" + SIZE), sink);
            assertThat(down.status()).isEqualTo(200);
            assertThat(sink.count).isEqualTo(SIZE);
        } finally {
            sampling.set(false);
            sampler.join();
        }
        // bodies pass through in small chunks: the router never holds more than a few megabytes
        System.out.printf("streaming: peak direct memory of the data path %d KiB%n", peakDirect.get() / 1024);
        assertThat(peakDirect.get()).as("peak direct memory in bytes (measured: the allocator saw the traffic)")
                .isGreaterThan(64 * 1024).isLessThan(32L * 1024 * 1024);
    }

    @Test
    void webSocketUpgradesPassThroughAndEchoBothWays() throws Exception {
        vertx = Vertx.vertx();
        HttpServer echo = vertx.createHttpServer()
                .webSocketHandler(ws -> ws.textMessageHandler(m -> ws.writeTextMessage("echo: " + m)))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        router = RouterHarness.start(dir);
        router.route("ws", List.of(new EndpointAddress("127.0.0.1", echo.actualPort())));

        WebSocketClient client = vertx.createWebSocketClient();
        WebSocket ws = client.connect(router.port(), "127.0.0.1", "/chat").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
            CompletableFuture<String> reply = new CompletableFuture<>();
            ws.textMessageHandler(reply::complete);
            ws.writeTextMessage("hello " + i);
            assertThat(reply.get(5, TimeUnit.SECONDS)).isEqualTo("echo: hello " + i);
        }
        String big = "x".repeat(200_000);
        CompletableFuture<String> reply = new CompletableFuture<>();
        ws.textMessageHandler(reply::complete);
        ws.writeTextMessage(big);
        assertThat(reply.get(5, TimeUnit.SECONDS)).hasSize(big.length() + 6);
        ws.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** A repeating byte pattern of a given length, without holding it in memory. */
    static final class Pattern extends InputStream {
        private long left;

        Pattern(long size) {
            this.left = size;
        }

        @Override
        public int read() {
            return left-- > 0 ? 'p' : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            java.util.Arrays.fill(b, off, off + n, (byte) 'p');
            left -= n;
            return n;
        }
    }

    static final class Counting extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
