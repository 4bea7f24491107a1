package io.glidepath.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One HTTP/1.1 keep-alive connection over a blocking socket. Small on purpose: no retries, no
 * redirects, no pooling, so that a load generator or a health check sees exactly what the server did.
 * Not thread-safe; use one per thread (virtual threads make that cheap).
 */
public final class HttpConnection implements Closeable {
    private static final int MAX_LINE = 64 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String hostHeader;
    private boolean closed;

    private HttpConnection(Socket socket, String hostHeader) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.out = socket.getOutputStream();
        this.hostHeader = hostHeader;
    }

    public static HttpConnection open(String host, int port, Duration connectTimeout, Duration readTimeout) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            s.setSoTimeout((int) readTimeout.toMillis());
            return new HttpConnection(s, host.contains(":") ? "[" + host + "]:" + port : host + ":" + port);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Sends the request and reads the whole response into memory. */
    public ClientResponse send(ClientRequest request) throws IOException {
        return send(request, null);
    }

    /** Sends the request; the response body goes to {@code sink} when given, else into the response. */
    public ClientResponse send(ClientRequest request, OutputStream sink) throws IOException {
        writeHead(request, request.body().length, false);
        if (request.body().length > 0) {
            out.write(request.body());
        }
        out.flush();
        return readResponse(request.method(), sink);
    }

    /** Sends a request whose body of {@code length} bytes is streamed from {@code body}. */
    public ClientResponse sendStreaming(ClientRequest request, InputStream body, long length, OutputStream sink) throws IOException {
        writeHead(request, length, false);
        byte[] buf = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = body.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException("request body ended " + left + " bytes early");
            }
            out.write(buf, 0, n);
            left -= n;
        }
        out.flush();
        return readResponse(request.method(), sink);
    }

    private void writeHead(ClientRequest request, long length, boolean chunked) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        sb.append(request.method()).append(' ').append(request.target()).append(" HTTP/1.1\r\n");
        boolean hasHost = false;
        for (Map.Entry<String, String> h : request.headers()) {
            hasHost |= h.getKey().equalsIgnoreCase("host");
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        if (!hasHost) {
            sb.append("Host: ").append(hostHeader).append("\r\n");
        }
        if (length > 0 || !(request.method().equals("GET") || request.method().equals("HEAD"))) {
            sb.append("Content-Length: ").append(length).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private ClientResponse readResponse(String method, OutputStream sink) throws IOException {
        while (true) {
            String statusLine = readLine();
            if (statusLine == null) {
                closed = true;
                throw new EOFException("connection closed before a response");
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            List<Map.Entry<String, String>> headers = readHeaders();
            if (status >= 100 && status < 200 && status != 101) {
                continue; // interim response, the final one follows
            }
            boolean close = parts[0].equals("HTTP/1.0") ? !hasToken(headers, "connection", "keep-alive") : hasToken(headers, "connection", "close");
            OutputStream target = sink != null ? sink : new ByteArrayOutputStream();
            long length = 0;
            if (method.equals("HEAD") || status == 204 || status == 304 || status == 101) {
                // no body
            } else if (hasToken(headers, "transfer-encoding", "chunked")) {
                length = readChunked(target);
            } else {
                String cl = value(headers, "content-length");
                if (cl != null) {
                    length = copy(Long.parseLong(cl.trim()), target);
                } else {
                    length = copyToEof(target);
                    close = true;
                }
            }
            if (close) {
                close();
            }
            byte[] body = sink == null ? ((ByteArrayOutputStream) target).toByteArray() : new byte[0];
            return new ClientResponse(status, headers, body, length, close);
        }
    }

    private List<Map.Entry<String, String>> readHeaders() throws IOException {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
            }
        }
        if (line == null) {
            throw new EOFException("connection closed inside the response headers");
        }
        return headers;
    }

    private long readChunked(OutputStream target) throws IOException {
        long total = 0;
        while (true) {
            String sizeLine = readLine();
            if (sizeLine == null) {
                throw new EOFException("connection closed inside a chunked body");
            }
            int semi = sizeLine.indexOf(';');
            long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
            if (size == 0) {
                readHeaders(); // trailers
                return total;
            }
            total += copy(size, target);
            if (!"".equals(readLine())) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    private long copy(long length, OutputStream target) throws IOException {
        byte[] buf = new byte[(int) Math.min(64 * 1024, Math.max(length, 1))];
        long left = length;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                throw new EOFException("connection closed with " + left + " body bytes missing");
            }
            target.write(buf, 0, n);
            left -= n;
        }
        return length;
    }

    private long copyToEof(OutputStream target) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            target.write(buf, 0, n);
            total += n;
        }
        return total;
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new IOException("response line longer than " + MAX_LINE + " bytes");
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private static String value(List<Map.Entry<String, String>> headers, String name) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                return h.getValue();
            }
        }
        return null;
    }

    private static boolean hasToken(List<Map.Entry<String, String>> headers, String name, String token) {
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                for (String t : h.getValue().split(",")) {
                    if (t.trim().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** True until the server or a failure closed the connection. */
    public boolean isOpen() {
        return !closed && !socket.isClosed();
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }
}
