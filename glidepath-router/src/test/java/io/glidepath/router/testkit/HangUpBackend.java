package io.glidepath.router.testkit;

import io.glidepath.route.EndpointAddress;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A backend that takes each request, holds it for a while, then closes the connection: with nothing sent (the
 * router must answer 502 itself) or after the first bytes of a response (the router must cut the client's).
 * Connections that send no request (TCP health checks) are simply closed. Real loopback sockets, one virtual
 * thread per connection.
 */
public final class HangUpBackend implements AutoCloseable {
    private final ServerSocket server;
    private final Duration hold;
    private final String partialResponse;

    private HangUpBackend(Duration hold, String partialResponse) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.hold = hold;
        this.partialResponse = partialResponse;
        Thread.ofVirtual().start(this::accept);
    }

    /** Hangs up after {@code hold} without answering. */
    public static HangUpBackend silent(Duration hold) throws IOException {
        return new HangUpBackend(hold, "");
    }

    /** Sends a response head announcing a longer body, then hangs up after {@code hold}. */
    public static HangUpBackend midResponse(Duration hold) throws IOException {
        return new HangUpBackend(hold, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial");
    }

    public EndpointAddress address() {
        return new EndpointAddress("127.0.0.1", server.getLocalPort());
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> handle(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void handle(Socket s) {
        try (s) {
            if (!readHead(s.getInputStream())) {
                return;
            }
            if (!partialResponse.isEmpty()) {
                s.getOutputStream().write(partialResponse.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            }
            Thread.sleep(hold); // the backend is slow, then dies: the latency every figure must show
        } catch (IOException | InterruptedException e) {
            // the router went away first: nothing to hang up
        }
    }

    /** True once a request head has arrived; false when the peer closed first. */
    private static boolean readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while ((b = in.read()) >= 0) {
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == end.length) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
