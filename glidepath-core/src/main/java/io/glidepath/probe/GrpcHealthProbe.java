package io.glidepath.probe;

import io.glidepath.route.EndpointAddress;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One call of the standard gRPC health service, {@code grpc.health.v1.Health/Check}, over HTTP/2 in
 * clear text with prior knowledge (what gRPC servers speak), on a connection of its own, blocking.
 * It passes when the server answers a message whose status is SERVING (1). The call's headers and
 * trailers are not decoded (that would take HPACK's Huffman tables): a server that does not offer the
 * health service, or answers an error, sends no message, which fails the check just as well.
 */
public final class GrpcHealthProbe {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int SERVING = 1;
    /** Frames larger than this are not what a health answer looks like (the default SETTINGS_MAX_FRAME_SIZE). */
    private static final int MAX_FRAME = 16_384;

    private GrpcHealthProbe() {
    }

    /** Checks {@code service} ("" for the whole server) at {@code target}; the detail says what was seen. */
    public static Prober.Result check(EndpointAddress target, String service, Duration timeout) {
        long t0 = System.nanoTime();
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target.host(), target.port()), millis);
            s.setSoTimeout(millis);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            out.write(PREFACE);
            frame(out, SETTINGS, 0, 0, new byte[0]);
            frame(out, HEADERS, END_HEADERS, 1, headers(target));
            frame(out, DATA, END_STREAM, 1, grpcMessage(request(service)));
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            while (true) {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                if (length > MAX_FRAME) {
                    return new Prober.Result(false, "an HTTP/2 frame of " + length + " bytes: not a gRPC health answer");
                }
                byte[] payload = in.readNBytes(length);
                if (payload.length < length) {
                    throw new EOFException();
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (type == SETTINGS && (flags & ACK) == 0) {
                    frame(out, SETTINGS, ACK, 0, new byte[0]);
                    out.flush();
                } else if (type == PING && (flags & ACK) == 0) {
                    frame(out, PING, ACK, 0, payload);
                    out.flush();
                } else if (type == DATA && stream == 1 && length > 0) {
                    int status = servingStatus(payload);
                    return status == SERVING ? new Prober.Result(true, "SERVING in " + ms + " ms")
                            : new Prober.Result(false, "health status " + statusName(status) + " in " + ms + " ms");
                } else if (type == HEADERS && stream == 1 && (flags & END_STREAM) != 0
                        || type == RST_STREAM && stream == 1 || type == GOAWAY) {
                    return new Prober.Result(false, "no health answer in " + ms + " ms (an error, or no grpc.health.v1.Health service"
                            + (service.isEmpty() ? "" : " for \"" + service + "\"") + ")");
                }
            }
        } catch (IOException e) {
            return new Prober.Result(false, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
    }

    /** The call's request headers in HPACK, literal and without Huffman coding (any decoder takes those). */
    private static byte[] headers(EndpointAddress target) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(0x83); // :method POST (static table 3)
        h.write(0x86); // :scheme http (static table 6)
        literal(h, 4, "/grpc.health.v1.Health/Check"); // :path
        literal(h, 1, target.host() + ":" + target.port()); // :authority
        literal(h, 31, "application/grpc"); // content-type
        literalName(h, "te", "trailers");
        literalName(h, "user-agent", "glidepath-health");
        return h.toByteArray();
    }

    /** Literal header field without indexing, its name from the static table (RFC 7541 6.2.2). */
    private static void literal(ByteArrayOutputStream h, int nameIndex, String value) {
        integer(h, 0x00, 4, nameIndex);
        string(h, value);
    }

    private static void literalName(ByteArrayOutputStream h, String name, String value) {
        h.write(0x00);
        string(h, name);
        string(h, value);
    }

    private static void string(ByteArrayOutputStream h, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        integer(h, 0x00, 7, b.length); // H bit 0: no Huffman
        h.writeBytes(b);
    }

    /** An HPACK integer with an N-bit prefix (RFC 7541 5.1). */
    private static void integer(ByteArrayOutputStream h, int first, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            h.write(first | value);
            return;
        }
        h.write(first | max);
        value -= max;
        while (value >= 128) {
            h.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        h.write(value);
    }

    /** HealthCheckRequest { string service = 1; } in protobuf. */
    private static byte[] request(String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0) {
            return new byte[0];
        }
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.write(0x0a); // field 1, length-delimited
        int n = name.length;
        while (n >= 128) {
            m.write((n & 0x7f) | 0x80);
            n >>>= 7;
        }
        m.write(n);
        m.writeBytes(name);
        return m.toByteArray();
    }

    /** A gRPC length-prefixed message: not compressed, 4-byte length, the bytes. */
    private static byte[] grpcMessage(byte[] message) {
        byte[] out = new byte[5 + message.length];
        out[1] = (byte) (message.length >>> 24);
        out[2] = (byte) (message.length >>> 16);
        out[3] = (byte) (message.length >>> 8);
        out[4] = (byte) message.length;
        System.arraycopy(message, 0, out, 5, message.length);
        return out;
    }

    /** HealthCheckResponse { ServingStatus status = 1; } from a DATA frame's gRPC message; 0 (UNKNOWN) when absent. */
    static int servingStatus(byte[] data) throws IOException {
        if (data.length < 5 || data[0] != 0) {
            throw new IOException("the health answer is not an uncompressed gRPC message");
        }
        InputStream m = new java.io.ByteArrayInputStream(data, 5, data.length - 5);
        int status = 0;
        int tag;
        while ((tag = m.read()) >= 0) {
            int field = tag >>> 3;
            int wire = tag & 7;
            if (wire == 0) {
                long v = varint(m);
                if (field == 1) {
                    status = (int) v;
                }
            } else if (wire == 2) {
                m.skipNBytes(varint(m));
            } else {
                throw new IOException("the health answer holds a field of wire type " + wire);
            }
        }
        return status;
    }

    private static long varint(InputStream m) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = m.read();
            if (b < 0) {
                throw new EOFException();
            }
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("a varint longer than 10 bytes");
    }

    private static String statusName(int status) {
        return switch (status) {
            case 0 -> "UNKNOWN";
            case 1 -> "SERVING";
            case 2 -> "NOT_SERVING";
            case 3 -> "SERVICE_UNKNOWN";
            default -> Integer.toString(status);
        };
    }
}
