package io.glidepath.router.proxy;

import java.time.Duration;

/**
 * Tunables of the data path.
 *
 * @param eventLoops        event loop threads (each with its own backend connection pool)
 * @param connectTimeout    to a backend; a failed connect is retried once on another endpoint
 * @param backendIdle       pooled backend connections idle longer than this are closed (below the
 *                          keep-alive timeout of common servers, so the backend rarely closes first)
 * @param clientIdle        client connections idle longer than this are closed
 * @param maxIdlePerBackend pooled connections kept per backend per event loop
 */
public record ProxySettings(int eventLoops, Duration connectTimeout, Duration backendIdle, Duration clientIdle, int maxIdlePerBackend) {

    public static ProxySettings defaults() {
        return new ProxySettings(2, Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(75), 256);
    }

    public ProxySettings withEventLoops(int n) {
        return new ProxySettings(n, connectTimeout, backendIdle, clientIdle, maxIdlePerBackend);
    }
}
