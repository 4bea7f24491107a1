package io.glidepath.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Against a scripted server on a real loopback socket: what the bytes say is what the client reports. */
class HttpConnectionTest {

    /** Serves each given raw response to one request, on one connection. */
    static ServerSocket script(String... responses) throws Exception {
        ServerSocket ss = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try (Socket s = ss.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                for (String r : responses) {
                    readHead(in);
                    out.write(r.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (Exception ignored) {
                // the test decides
            }
        });
        return ss;
    }

    static void readHead(InputStream in) throws Exception {
        int matched = 0;
        int c;
        while (matched < 4 && (c = in.read()) >= 0) {
            matched = (c == "\r\n\r\n".charAt(matched)) ? matched + 1 : (c == '\r' ? 1 : 0);
        }
    }

    @Test
    void readsContentLengthChunkedAndInterimResponsesOnOneConnection() throws Exception {
        try (ServerSocket ss = script(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Version: v1\r\n\r\nhello",
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n",
                "HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
             HttpConnection c = HttpConnection.open("127.0.0.1", ss.getLocalPort(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            ClientResponse a = c.send(ClientRequest.get("/a"));
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.bodyText()).isEqualTo("hello");
            assertThat(a.header("x-version")).contains("v1");
            ClientResponse b = c.send(ClientRequest.get("/b"));
            assertThat(b.status()).isEqualTo(201);
            assertThat(b.bodyText()).isEqualTo("abcde");
            ClientResponse d = c.send(ClientRequest.get("/c"));
            assertThat(d.status()).isEqualTo(503);
            assertThat(d.connectionClosing()).isTrue();
            assertThat(c.isOpen()).isFalse();
        }
    }

    @Test
    void aConnectionClosedBeforeTheResponseIsAnError() throws Exception {
        try (ServerSocket ss = script();
             HttpConnection c = HttpConnection.open("127.0.0.1", ss.getLocalPort(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> c.send(ClientRequest.get("/"))).isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void aTruncatedBodyIsAnError() throws Exception {
        try (ServerSocket ss = script("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
             HttpConnection c = HttpConnection.open("127.0.0.1", ss.getLocalPort(), Duration.ofSeconds(2), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> c.send(ClientRequest.get("/"))).isInstanceOf(EOFException.class).hasMessageContaining("7 body bytes missing");
        }
    }
}
