package io.glidepath.router.testkit;

import io.glidepath.http.ClientRequest;
import io.glidepath.http.ClientResponse;
import io.glidepath.http.HttpConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** One-off requests and raw-socket exchanges for tests. */
public final class Http {
    private Http() {
    }

    public static ClientResponse get(int port, String path) throws IOException {
        return send(port, ClientRequest.get(path));
    }

    public static ClientResponse send(int port, ClientRequest request) throws IOException {
        try (HttpConnection c = HttpConnection.open("127.0.0.1", port, Duration.ofSeconds(5), Duration.ofSeconds(30))) {
            return c.send(request);
        }
    }

    /** Reads one response framed by its Content-Length (none: no body) from {@code in}, leaving the connection open. */
    public static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    /** Writes raw bytes, then reads everything the server sends until it closes (or 5 s pass). */
    public static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (java.net.SocketTimeoutException timeout) {
                sb.append("\n<<still open after 5 s>>");
            }
            return sb.toString();
        }
    }
}
