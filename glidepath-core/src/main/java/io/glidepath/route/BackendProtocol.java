package io.glidepath.route;

import java.util.Arrays;
import java.util.Optional;

/**
 * What an endpoint speaks: HTTP/1.1 (the default), or HTTP/2 over clear text with prior knowledge
 * ({@code h2c}), which gRPC servers and other HTTP/2-only backends need. It belongs to the version
 * behind the endpoint, like its health path: a new version may change it.
 */
public enum BackendProtocol {
    HTTP1("http/1.1"),
    H2C("h2c");

    private final String id;

    BackendProtocol(String id) {
        this.id = id;
    }

    /** The name release files and the admin API use. */
    public String id() {
        return id;
    }

    public static Optional<BackendProtocol> fromId(String id) {
        return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst();
    }

    /** The names taken, for error messages. */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(p -> "\"" + p.id + "\"").toList());
    }
}
