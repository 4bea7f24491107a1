package io.glidepath.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real webhook receiver for tests, on the JDK's HTTP server at 127.0.0.1 on an ephemeral port. It
 * records every request and checks its signature the way docs/server.md tells receivers to
 * (HMAC-SHA256 of the raw body with the shared key, compared in constant time), with its own code,
 * not the notifier's. It can answer with scripted statuses, or hold every request until released.
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as it arrived. */
    public record Delivery(String event, String deliveryId, String signature, String contentType, byte[] body, JsonNode json, boolean signatureValid) {
        public String text() {
            return json.path("text").asText();
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final byte[] key;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final Deque<Integer> answers = new ArrayDeque<>();
    private volatile CountDownLatch hold = new CountDownLatch(0);

    private WebhookReceiver(byte[] key) throws IOException {
        this.key = key.clone();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static WebhookReceiver start(String key) throws IOException {
        return new WebhookReceiver(key.getBytes(StandardCharsets.UTF_8));
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook/team?channel=deploys");
    }

    /** The next requests get these statuses, in order; after them, 200. */
    public synchronized void answer(Integer... statuses) {
        answers.addAll(List.of(statuses));
    }

    /** Every request from now on waits, unanswered, until {@link #release}. */
    public void holdRequests() {
        hold = new CountDownLatch(1);
    }

    public void release() {
        hold.countDown();
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** The events' names, in arrival order. */
    public List<String> events() {
        return deliveries.stream().map(Delivery::event).toList();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x; InputStream in = x.getRequestBody()) {
            byte[] body = in.readAllBytes();
            String signature = x.getRequestHeaders().getFirst("X-Glidepath-Signature-256");
            deliveries.add(new Delivery(x.getRequestHeaders().getFirst("X-Glidepath-Event"), x.getRequestHeaders().getFirst("X-Glidepath-Delivery"),
                    signature, x.getRequestHeaders().getFirst("Content-Type"), body, JSON.readTree(body), verifies(signature, body)));
            hold.await();
            int status;
            synchronized (this) {
                status = answers.isEmpty() ? 200 : answers.poll();
            }
            x.sendResponseHeaders(status, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What a receiver does: recompute, then compare in constant time. */
    private boolean verifies(String header, byte[] body) {
        if (header == null || !header.startsWith("sha256=")) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] expected = ("sha256=" + HexFormat.of().formatHex(mac.doFinal(body))).getBytes(StandardCharsets.US_ASCII);
            return MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        executor.close();
    }
}
