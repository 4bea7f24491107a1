package io.glidepath.router.proxy;

import java.time.Duration;
import java.util.Optional;

/**
 * Tunables of the data path, with the limits it puts on clients (docs/router.md, "Limits").
 *
 * @param eventLoops        event loop threads (each with its own backend connection pool)
 * @param connectTimeout    to a backend; a failed connect is retried once on another endpoint
 * @param backendIdle       pooled backend connections idle longer than this are closed (below the
 *                          keep-alive timeout of common servers, so the backend rarely closes first)
 * @param clientIdle        client connections idle longer than this between requests are closed
 * @param maxIdlePerBackend pooled connections kept per backend per event loop
 * @param headTimeout       a request head must arrive whole within this long of its first byte (of the
 *                          connection's start, for its first request), else 408 and close (nginx's
 *                          client_header_timeout, HAProxy's timeout http-request)
 * @param bodyTimeout       while a request body is read, each read the router asks for must bring bytes
 *                          within this long, else 408 (or a close, once the response began); time the
 *                          router spends waiting for the backend to take the body does not count
 *                          (nginx's client_body_timeout)
 * @param maxConnections    client connections open at once; one more is closed as it is accepted
 * @param transport         how sockets talk to the kernel; empty: the fastest this machine allows ({@link Transport#choose})
 */
public record ProxySettings(int eventLoops, Duration connectTimeout, Duration backendIdle, Duration clientIdle, int maxIdlePerBackend,
                            Duration headTimeout, Duration bodyTimeout, int maxConnections, Optional<Transport> transport) {

    public static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(20);
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_CONNECTIONS = 20_000;

    public ProxySettings {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
        }
    }

    public static ProxySettings defaults() {
        return new ProxySettings(2, Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(75), 256, DEFAULT_HEAD_TIMEOUT,
                DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_CONNECTIONS, Optional.empty());
    }

    public ProxySettings withEventLoops(int n) {
        return new ProxySettings(n, connectTimeout, backendIdle, clientIdle, maxIdlePerBackend, headTimeout, bodyTimeout, maxConnections, transport);
    }

    public ProxySettings withClientLimits(Duration idle, Duration head, Duration body, int connections) {
        return new ProxySettings(eventLoops, connectTimeout, backendIdle, idle, maxIdlePerBackend, head, body, connections, transport);
    }

    /** With {@code t}'s sockets (empty: the fastest available). */
    public ProxySettings withTransport(Optional<Transport> t) {
        return new ProxySettings(eventLoops, connectTimeout, backendIdle, clientIdle, maxIdlePerBackend, headTimeout, bodyTimeout, maxConnections, t);
    }
}
