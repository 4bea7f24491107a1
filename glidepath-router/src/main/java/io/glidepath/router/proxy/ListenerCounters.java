package io.glidepath.router.proxy;

/** What the data path's listeners count beside the routes' own figures, for {@code /metrics}. */
public interface ListenerCounters {
    /** Client connections open now. */
    long openConnections();

    /** Requests no route took (answered 404). */
    long unmatched();

    /** Requests refused as malformed (400, 414, 431, 505). */
    long badRequests();

    /** Clients cut for being too slow: a request head or body past its deadline (408, or a close). */
    long clientTimeouts();

    /** Connections closed as accepted because {@code maxConnections} were open. */
    long refusedConnections();

    /** TLS handshakes that failed (no common protocol or suite, a client that gave up, a scanner). */
    long tlsHandshakeFailures();

    /** Access log lines dropped because its writer fell behind (or could not write). */
    long accessLogDropped();

    /** Shadow copies not sent: too many out already, no canary endpoint to take them, or no connection to it. */
    long shadowDropped();
}
